// Validates rendered Kubernetes manifests offline (scripts/check-k8s.sh runs
// it from its npm cache directory, where these packages are installed):
//   1. schema: every object against its OpenAPI schema through the ajv
//      validators of kubernetes-models and @kubernetes-models/prometheus-operator
//      (types, enums, patterns, required fields); an apiVersion/kind without a
//      schema is an error;
//   2. unknown fields: the objects as TypeScript object literals typed with
//      the same packages' interfaces, compiled by tsc (excess-property checks:
//      those schemas do not forbid additional properties);
//   3. consistency of waggle's objects with each other (selectors, named
//      ports, probes, the broker configuration against the StatefulSet, the
//      gateway's contact points, ACK storage rules).
//
//   node k8s-validate.mjs [--broker-config-dir DIR] LABEL=FILE.yaml ...
//
// Prints one line per problem, "LABEL: Kind/name: message", and "LABEL: ok
// (N objects)" for a clean file. Exits 1 if any file has a problem, 2 on
// bad usage. --broker-config-dir writes each file's broker configuration
// (the ConfigMap the broker StatefulSet mounts) to DIR/LABEL.broker.yaml, for
// waggle's own configuration parser.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import YAML from "yaml";

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, "node_modules");

// --- arguments -------------------------------------------------------------
const args = process.argv.slice(2);
let brokerConfigDir = null;
const inputs = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--broker-config-dir") {
    brokerConfigDir = args[++i];
  } else if (/^[^=]+=.+/.test(args[i])) {
    const eq = args[i].indexOf("=");
    inputs.push({ label: args[i].slice(0, eq), file: args[i].slice(eq + 1) });
  } else {
    console.error(`k8s-validate: unexpected argument '${args[i]}' (want LABEL=FILE.yaml)`);
    process.exit(2);
  }
}
if (inputs.length === 0) {
  console.error("usage: node k8s-validate.mjs [--broker-config-dir DIR] LABEL=FILE.yaml ...");
  process.exit(2);
}

const problems = new Map(); // label -> [message]
function problem(label, obj, message) {
  const what = obj ? `${obj.kind ?? "?"}/${obj.metadata?.name ?? "?"}: ` : "";
  if (!problems.has(label)) problems.set(label, []);
  problems.get(label).push(`${what}${message}`);
}

// --- models ----------------------------------------------------------------
// apiVersion + kind -> the module (relative to node_modules) with the model
// class and its TypeScript interface I<Kind>.
function modulePath(apiVersion, kind) {
  if (typeof apiVersion !== "string" || typeof kind !== "string" || !/^[A-Za-z]+$/.test(kind)) {
    return null;
  }
  const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
  if (group === "monitoring.coreos.com") {
    return `@kubernetes-models/prometheus-operator/monitoring.coreos.com/${version}/${kind}`;
  }
  return group === "" ? `kubernetes-models/${version}/${kind}` : `kubernetes-models/${group}/${version}/${kind}`;
}

async function loadModel(path, kind) {
  const file = join(modules, `${path}.js`);
  if (!existsSync(file)) return null;
  const module = await import(pathToFileURL(file).href);
  return module[kind] ?? null;
}

// --- parse -----------------------------------------------------------------
const all = []; // {label, obj}
for (const { label, file } of inputs) {
  let docs;
  try {
    docs = YAML.parseAllDocuments(readFileSync(file, "utf8"));
  } catch (e) {
    problem(label, null, `cannot read ${file}: ${e.message}`);
    continue;
  }
  let count = 0;
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      problem(label, null, `YAML error: ${doc.errors[0].message}`);
      continue;
    }
    const obj = doc.toJS();
    if (obj === null || obj === undefined) continue;
    if (typeof obj !== "object" || Array.isArray(obj)) {
      problem(label, null, "a document that is not an object");
      continue;
    }
    all.push({ label, obj });
    count++;
  }
  if (count === 0) problem(label, null, `no objects in ${file}`);
}

// --- 1. schema -------------------------------------------------------------
const typed = []; // {label, obj, path, kind} with a known schema
for (const { label, obj } of all) {
  const path = modulePath(obj.apiVersion, obj.kind);
  const Model = path ? await loadModel(path, obj.kind) : null;
  if (!Model) {
    problem(label, obj, `no schema for apiVersion ${obj.apiVersion} kind ${obj.kind}`);
    continue;
  }
  typed.push({ label, obj, path, kind: obj.kind });
  try {
    new Model(obj).validate();
  } catch (e) {
    const errors = Array.isArray(e.errors) ? e.errors : [{ instancePath: "", message: e.message }];
    const seen = new Set();
    for (const err of errors) {
      let text = `${err.instancePath || "/"} ${err.message}`;
      if (err.params?.allowedValues) text += ` (${err.params.allowedValues.join(", ")})`;
      if (!seen.has(text)) problem(label, obj, `schema: ${text}`);
      seen.add(text);
    }
  }
}

// --- 2. unknown fields (tsc excess-property checks) ------------------------
if (typed.length > 0) {
  const work = mkdtempSync(join(here, ".tsc-"));
  try {
    const imports = new Map(); // path -> alias
    const lines = [];
    const spans = []; // {from, to, entry}
    for (const entry of typed) {
      if (!imports.has(entry.path)) imports.set(entry.path, `T${imports.size}`);
    }
    for (const [path, alias] of imports) {
      const kind = path.slice(path.lastIndexOf("/") + 1);
      lines.push(`import type { I${kind} as ${alias} } from "${path}";`);
    }
    typed.forEach((entry, i) => {
      const body = JSON.stringify(entry.obj, null, 2).split("\n");
      const from = lines.length + 1;
      lines.push(`export const o${i}: ${imports.get(entry.path)} = ${body[0]}`, ...body.slice(1));
      spans.push({ from, to: lines.length, entry });
    });
    writeFileSync(join(work, "objects.ts"), lines.join("\n") + "\n");
    let output = "";
    try {
      execFileSync(
        process.execPath,
        [join(modules, "typescript/bin/tsc"), "--noEmit", "--strict", "--skipLibCheck",
         "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022",
         "--pretty", "false", join(work, "objects.ts")],
        { cwd: here, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
      output = `${e.stdout ?? ""}${e.stderr ?? ""}`;
      if (!output.trim()) output = `tsc failed: ${e.message}`;
    }
    for (const line of output.split("\n").filter((l) => l.trim())) {
      const m = /objects\.ts\((\d+),(\d+)\): error (TS\d+): (.*)$/.exec(line);
      if (!m) {
        if (!/^\s/.test(line)) problem(inputs[0].label, null, `tsc: ${line}`);
        continue;
      }
      const at = Number(m[1]);
      const span = spans.find((s) => at >= s.from && at <= s.to);
      const message = m[3] === "TS2353" || m[3] === "TS2561" ? `unknown field: ${m[4]}` : `type: ${m[4]}`;
      if (span) {
        problem(span.entry.label, span.entry.obj, `${message} (${lines[at - 1].trim()})`);
      } else {
        problem(inputs[0].label, null, `tsc: ${line}`);
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// --- 3. consistency --------------------------------------------------------
const COMPONENT = "app.kubernetes.io/component";

function matches(selector, labels) {
  if (!selector || typeof selector !== "object") return false;
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([k, v]) => labels?.[k] === v);
}

function quantityBytes(q) {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/.exec(String(q));
  if (!m) return NaN;
  const units = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
                  k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
  return Number(m[1]) * (m[2] ? units[m[2]] : 1);
}

function flagValue(argv, name) {
  const i = argv.indexOf(name);
  if (i >= 0 && i + 1 < argv.length) return argv[i + 1];
  const eq = argv.find((a) => a.startsWith(`${name}=`));
  return eq ? eq.slice(name.length + 1) : undefined;
}

for (const { label } of inputs) {
  const objs = all.filter((e) => e.label === label).map((e) => e.obj);
  const of = (kind) => objs.filter((o) => o.kind === kind);
  const ns = (o) => o.metadata?.namespace ?? "";
  const workloads = [...of("StatefulSet"), ...of("Deployment")];
  const pods = workloads.map((w) => ({ w, labels: w.spec?.template?.metadata?.labels ?? {},
                                       spec: w.spec?.template?.spec ?? {} }));
  const portsOf = (pod) => (pod.spec.containers ?? []).flatMap((c) => c.ports ?? []);

  // Workloads: selector matches the template; probes on declared ports.
  for (const { w, labels, spec } of pods) {
    if (!matches(w.spec?.selector?.matchLabels, labels)) {
      problem(label, w, "spec.selector.matchLabels does not match the pod template's labels");
    }
    for (const c of spec.containers ?? []) {
      const names = new Set((c.ports ?? []).map((p) => p.name));
      const numbers = new Set((c.ports ?? []).map((p) => p.containerPort));
      for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
        const port = c[probe]?.httpGet?.port;
        if (port === undefined) continue;
        if (typeof port === "string" ? !names.has(port) : !numbers.has(port)) {
          problem(label, w, `container ${c.name}: ${probe} port ${port} is not a port of the container`);
        }
      }
      if (String(c.image ?? "").startsWith("waggle") || /\/waggle(:|$)/.test(String(c.image ?? ""))) {
        const expected = { startupProbe: "/startup", readinessProbe: "/ready", livenessProbe: "/health" };
        const monitoring = (c.ports ?? []).find((p) => p.name === "monitoring");
        if (monitoring?.containerPort !== 9600) {
          problem(label, w, `container ${c.name}: no port named monitoring on 9600`);
        }
        for (const [probe, path] of Object.entries(expected)) {
          if (c[probe]?.httpGet?.path !== path || c[probe]?.httpGet?.port !== "monitoring") {
            problem(label, w, `container ${c.name}: ${probe} must be GET ${path} on the monitoring port`);
          }
        }
      }
    }
    for (const v of spec.volumes ?? []) {
      if (v.configMap && !of("ConfigMap").some((m) => m.metadata?.name === v.configMap.name && ns(m) === ns(w))) {
        problem(label, w, `volume ${v.name}: no ConfigMap ${v.configMap.name} in the output`);
      }
    }
  }

  // Services and PodDisruptionBudgets select pods; named target ports exist.
  for (const s of of("Service")) {
    const selected = pods.filter((p) => ns(p.w) === ns(s) && matches(s.spec?.selector, p.labels));
    if (selected.length === 0) {
      problem(label, s, "spec.selector matches no pod template");
      continue;
    }
    for (const port of s.spec?.ports ?? []) {
      if (typeof port.targetPort === "string" &&
          !selected.every((p) => portsOf(p).some((cp) => cp.name === port.targetPort))) {
        problem(label, s, `port ${port.name}: targetPort ${port.targetPort} is not a container port name of the selected pods`);
      }
    }
  }
  for (const pdb of of("PodDisruptionBudget")) {
    if (!pods.some((p) => ns(p.w) === ns(pdb) && matches(pdb.spec?.selector?.matchLabels, p.labels))) {
      problem(label, pdb, "spec.selector matches no pod template");
    }
  }

  // ServiceMonitors: each endpoint port is a named port of a selected Service.
  for (const sm of of("ServiceMonitor")) {
    const services = of("Service").filter((s) => matches(sm.spec?.selector?.matchLabels, s.metadata?.labels));
    for (const ep of sm.spec?.endpoints ?? []) {
      const withPort = services.filter((s) => (s.spec?.ports ?? []).some((p) => p.name === ep.port));
      const components = new Set(withPort.map((s) => s.metadata?.labels?.[COMPONENT]));
      if (!components.has("broker") || !components.has("gateway")) {
        problem(label, sm, `endpoint port ${ep.port}: must select a broker and a gateway Service with that port (has: ${[...components].join(", ") || "none"})`);
      }
    }
  }

  // The brokers: StatefulSet, headless Service, configuration, gateway.
  const brokers = of("StatefulSet").filter((s) => s.spec?.template?.metadata?.labels?.[COMPONENT] === "broker");
  if (brokers.length !== 1) problem(label, null, `expected one broker StatefulSet, found ${brokers.length}`);
  for (const sts of brokers) {
    const name = sts.metadata?.name;
    const replicas = sts.spec?.replicas ?? 1;
    if (sts.spec?.podManagementPolicy !== "Parallel") {
      problem(label, sts, "podManagementPolicy must be Parallel (a quorum must start together)");
    }
    const headless = of("Service").find((s) => s.metadata?.name === sts.spec?.serviceName && ns(s) === ns(sts));
    if (!headless) {
      problem(label, sts, `serviceName ${sts.spec?.serviceName}: no such Service`);
    } else if (headless.spec?.clusterIP !== "None" || headless.spec?.publishNotReadyAddresses !== true) {
      problem(label, headless, "the brokers' Service must be headless (clusterIP None) with publishNotReadyAddresses");
    }
    const pdb = of("PodDisruptionBudget").find((p) => matches(p.spec?.selector?.matchLabels, sts.spec?.template?.metadata?.labels));
    if (!pdb || pdb.spec?.maxUnavailable !== 1) problem(label, sts, "needs a PodDisruptionBudget with maxUnavailable 1");
    if (!(sts.spec?.template?.spec?.terminationGracePeriodSeconds >= 30)) {
      problem(label, sts, "terminationGracePeriodSeconds must leave the broker time to stop (>= 30)");
    }

    const container = (sts.spec?.template?.spec?.containers ?? [])[0] ?? {};
    const port = (n) => (container.ports ?? []).find((p) => p.name === n)?.containerPort;
    const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value]));
    if (env.WAGGLE_BROKER_CLUSTER_NODEID !== undefined) {
      problem(label, sts, "WAGGLE_BROKER_CLUSTER_NODEID is set: every pod would be the same broker (the entrypoint derives it from the ordinal)");
    }
    const configPath = env.WAGGLE_BROKER_CONFIG;
    const mount = (container.volumeMounts ?? []).find((m) => configPath?.startsWith(`${m.mountPath}/`));
    const volume = (sts.spec?.template?.spec?.volumes ?? []).find((v) => v.name === mount?.name);
    const configMap = of("ConfigMap").find((m) => m.metadata?.name === volume?.configMap?.name);
    const key = configPath && mount ? configPath.slice(mount.mountPath.length + 1) : undefined;
    const text = configMap?.data?.[key];
    if (text === undefined) {
      problem(label, sts, `WAGGLE_BROKER_CONFIG ${configPath}: not a key of a mounted ConfigMap`);
      continue;
    }
    if (brokerConfigDir) {
      mkdirSync(brokerConfigDir, { recursive: true });
      writeFileSync(join(brokerConfigDir, `${label}.broker.yaml`), text);
    }
    const broker = YAML.parse(text)?.waggle?.broker ?? {};
    const cluster = broker.cluster ?? {};
    const network = broker.network ?? {};
    if (cluster.clusterSize !== replicas) {
      problem(label, configMap, `cluster.clusterSize ${cluster.clusterSize} differs from the StatefulSet's replicas ${replicas}`);
    }
    if (!(cluster.replicationFactor <= replicas)) {
      problem(label, configMap, `cluster.replicationFactor ${cluster.replicationFactor} exceeds the replicas ${replicas}`);
    }
    for (const [setting, portName, fallback] of [["commandApi", "command", 26501], ["internalApi", "internal", 26502], ["monitoringApi", "monitoring", 9600]]) {
      const configured = network[setting]?.port ?? fallback;
      if (configured !== port(portName)) {
        problem(label, configMap, `network.${setting}.port ${configured} differs from container port ${portName} (${port(portName)})`);
      }
    }
    const service = sts.spec?.serviceName;
    const expected = (p) => Array.from({ length: replicas }, (_, i) => `${name}-${i}.${service}:${p}`);
    const contact = cluster.initialContactPoints;
    const contactList = Array.isArray(contact) ? contact : String(contact ?? "").split(",");
    if (contactList.join(",") !== expected(port("internal")).join(",")) {
      problem(label, configMap, `cluster.initialContactPoints must be ${expected(port("internal")).join(",")} (got ${contactList.join(",")})`);
    }
    if (broker.data?.directory && !(container.volumeMounts ?? []).some((m) => m.name === "data" && m.mountPath === broker.data.directory)) {
      problem(label, configMap, `data.directory ${broker.data.directory} is not where the data volume is mounted`);
    }
    for (const gw of of("Deployment").filter((d) => d.spec?.template?.metadata?.labels?.[COMPONENT] === "gateway")) {
      const c = (gw.spec?.template?.spec?.containers ?? [])[0] ?? {};
      const points = flagValue(c.args ?? [], "--contact-points");
      if (points !== expected(port("command")).join(",")) {
        problem(label, gw, `--contact-points must be ${expected(port("command")).join(",")} (got ${points})`);
      }
    }

    // Volumes: one claim template "data"; on an ACK disk class at least 20Gi.
    const claim = (sts.spec?.volumeClaimTemplates ?? []).find((t) => t.metadata?.name === "data");
    if (!claim) {
      problem(label, sts, "no volumeClaimTemplate named data");
      continue;
    }
    const className = claim.spec?.storageClassName;
    const storageClass = of("StorageClass").find((c) => c.metadata?.name === className);
    if (className && !storageClass) {
      problem(label, sts, `storageClassName ${className}: no such StorageClass in the output`);
    }
    if (storageClass?.provisioner === "diskplugin.csi.alibabacloud.com") {
      const size = quantityBytes(claim.spec?.resources?.requests?.storage);
      if (!(size >= 20 * 2 ** 30)) {
        problem(label, sts, `ACK cloud disks are at least 20Gi; the data volume asks for ${claim.spec?.resources?.requests?.storage}`);
      }
    }
  }

  // ACK disk StorageClasses: ESSD PL1, created in the pod's zone, expandable.
  for (const sc of of("StorageClass").filter((c) => c.provisioner === "diskplugin.csi.alibabacloud.com")) {
    if (sc.parameters?.type !== "cloud_essd" || sc.parameters?.performanceLevel !== "PL1") {
      problem(label, sc, "parameters must be type cloud_essd, performanceLevel PL1");
    }
    if (sc.volumeBindingMode !== "WaitForFirstConsumer") problem(label, sc, "volumeBindingMode must be WaitForFirstConsumer (disks are zonal)");
    if (sc.allowVolumeExpansion !== true) problem(label, sc, "allowVolumeExpansion must be true");
  }

  // Alibaba Cloud load balancers: TCP health check, a known address type.
  const prefix = "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-";
  for (const s of of("Service").filter((x) => Object.keys(x.metadata?.annotations ?? {}).some((k) => k.startsWith(prefix)))) {
    const a = s.metadata.annotations;
    if (s.spec?.type !== "LoadBalancer") problem(label, s, "alibaba-cloud-loadbalancer annotations on a Service that is not a LoadBalancer");
    if (!["intranet", "internet"].includes(a[`${prefix}address-type`])) {
      problem(label, s, `${prefix}address-type must be intranet or internet`);
    }
    if (a[`${prefix}health-check-type`] !== "tcp") problem(label, s, `${prefix}health-check-type must be tcp`);
    if (s.spec?.loadBalancerClass === "alibabacloud.com/nlb" && !a[`${prefix}zone-maps`]) {
      problem(label, s, `an NLB needs ${prefix}zone-maps`);
    }
  }
}

// --- report ----------------------------------------------------------------
let failed = false;
for (const { label } of inputs) {
  const list = problems.get(label) ?? [];
  if (list.length === 0) {
    console.log(`${label}: ok (${all.filter((e) => e.label === label).length} objects)`);
  } else {
    failed = true;
    for (const p of list) console.log(`${label}: ${p}`);
  }
}
process.exit(failed ? 1 : 0);
