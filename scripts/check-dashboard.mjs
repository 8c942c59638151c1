// Checks the Grafana dashboard against the metrics contract (scripts/check-k8s.sh runs it):
//   node check-dashboard.mjs DASHBOARD.json OPERATIONS.md RULES_OUT.yml
// - the dashboard is JSON with a title, a uid, a Prometheus data source
//   variable, unique panel ids, and an expression on every query;
// - every metric an expression names is in docs/operations.md's "Metrics"
//   tables (histograms by their _bucket/_sum/_count series), and every
//   waggle_ metric of the contract is shown somewhere;
// - writes each expression as a recording rule to RULES_OUT.yml (Grafana's
//   $__rate_interval replaced by 1m), so that `promtool check rules` parses
//   every expression with Prometheus's own parser.
// Prints the problems and exits 1 if there are any.
import { readFileSync, writeFileSync } from "node:fs";

const [dashboardFile, contractFile, rulesFile] = process.argv.slice(2);
if (!rulesFile) {
  console.error("usage: node check-dashboard.mjs DASHBOARD.json OPERATIONS.md RULES_OUT.yml");
  process.exit(2);
}
const problems = [];

// The contract: `name` | type | ... rows of the tables under "## Metrics".
const markdown = readFileSync(contractFile, "utf8");
const section = markdown.split(/^## /m).find((s) => s.startsWith("Metrics\n")) ?? "";
const contract = new Map();
for (const m of section.matchAll(/^\| `((?:waggle|process)_[a-z0-9_]+)` \| (counter|gauge|histogram) \|/gm)) {
  contract.set(m[1], m[2]);
}
if (contract.size < 20) problems.push(`${contractFile}: found only ${contract.size} metrics under "## Metrics"`);

let dashboard;
try {
  dashboard = JSON.parse(readFileSync(dashboardFile, "utf8"));
} catch (e) {
  console.log(`${dashboardFile}: not JSON: ${e.message}`);
  process.exit(1);
}
if (!dashboard.title || !dashboard.uid) problems.push("the dashboard needs a title and a uid");
const variables = dashboard.templating?.list ?? [];
if (!variables.some((v) => v.name === "datasource" && v.type === "datasource" && v.query === "prometheus")) {
  problems.push("no Prometheus data source variable named datasource");
}

const ids = new Set();
const expressions = [];
for (const panel of dashboard.panels ?? []) {
  if (ids.has(panel.id)) problems.push(`panel id ${panel.id} is used twice`);
  ids.add(panel.id);
  if (panel.type === "row") continue;
  if (!panel.gridPos) problems.push(`panel "${panel.title}": no gridPos`);
  if (panel.datasource?.uid !== "${datasource}") problems.push(`panel "${panel.title}": data source is not \${datasource}`);
  if (!(panel.targets?.length > 0)) problems.push(`panel "${panel.title}": no queries`);
  for (const target of panel.targets ?? []) {
    if (!target.expr) problems.push(`panel "${panel.title}": query ${target.refId} has no expression`);
    else expressions.push({ panel: panel.title, expr: target.expr });
  }
}

const shown = new Set();
const keywords = new Set(["sum", "max", "min", "count", "rate", "increase", "histogram_quantile", "by", "on",
                          "group_right", "time", "up", "le"]);
for (const { panel, expr } of expressions) {
  // Label names and values sit inside {...} or by (...) / on (...): drop them.
  const names = expr.replace(/\{[^}]*\}/g, "").replace(/\[[^\]]*\]/g, "").replace(/\b(by|on)\s*\([^)]*\)/g, "")
    .match(/\b[a-z_][a-z0-9_]*\b/g) ?? [];
  for (const name of names) {
    if (keywords.has(name)) continue;
    const base = name.replace(/_(bucket|sum|count)$/, "");
    if (contract.has(name)) {
      shown.add(name);
    } else if (base !== name && contract.get(base) === "histogram") {
      shown.add(base);
    } else {
      problems.push(`panel "${panel}": ${name} is not in the metrics contract (${contractFile})`);
    }
  }
}
for (const name of contract.keys()) {
  if (name.startsWith("waggle_") && !shown.has(name)) problems.push(`${name} (contract) is on no panel`);
}

const rules = expressions.map(({ expr }, i) =>
  `      - record: waggle_dashboard_check_${i}\n        expr: ${JSON.stringify(expr.replaceAll("$__rate_interval", "1m"))}`);
writeFileSync(rulesFile, `groups:\n  - name: dashboard\n    rules:\n${rules.join("\n")}\n`);

for (const p of problems) console.log(`${dashboardFile}: ${p}`);
if (problems.length > 0) process.exit(1);
console.log(`${dashboardFile}: ok (${expressions.length} queries over ${shown.size} contract metrics)`);
