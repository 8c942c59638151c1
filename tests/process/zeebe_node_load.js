// Drives a waggle cluster through the official zeebe-node client, as an
// application would: deploys a one-service-task process, starts instances
// at a fixed rate and completes their jobs with a polling worker, then waits
// until every instance whose creation was acknowledged has had its job
// completed. Prints one JSON summary line and exits 0 when none is missing.
//
//   node zeebe_node_load.js GATEWAY BPMN_FILE PROCESS_ID JOB_TYPE COUNT RATE TIMEOUT_S
//
// Creation is retried on errors (a leader may be gone); a creation whose
// answer was lost may leave an unacknowledged instance, whose job the worker
// completes too. A job completion that fails with NOT_FOUND means an earlier
// completion went through but its answer was lost, so it counts as done only
// when this worker sent that earlier completion.
'use strict';
const { ZBClient } = require('zeebe-node');

const [gateway, bpmnFile, processId, jobType, countArg, rateArg, timeoutArg] = process.argv.slice(2);
const count = Number(countArg);
const rate = Number(rateArg);
const deadline = Date.now() + Number(timeoutArg) * 1000;

const zbc = new ZBClient(gateway, {
  useTLS: false,
  loglevel: 'NONE',
  longPoll: 1000,
  retry: false,  // this script retries itself, to see every error
});

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const partitionOf = (key) => Number(BigInt(key) >> 51n);

const acknowledged = new Set();  // instance keys whose creation was answered
const completedInstances = new Set();  // instance keys whose job completion was answered
const triedJobs = new Map();  // job key -> instance key, completion sent at least once
const errors = {};
const noteError = (what, e) => {
  const name = `${what}: ${e.code !== undefined ? e.code : ''} ${String(e.details || e.message).slice(0, 80)}`;
  errors[name] = (errors[name] || 0) + 1;
};

async function deploy() {
  for (;;) {
    try {
      return await zbc.deployResource({ processFilename: bpmnFile });
    } catch (e) {
      noteError('deploy', e);
      if (Date.now() > deadline) throw e;
      await sleep(200);
    }
  }
}

async function createOne(i) {
  while (Date.now() < deadline) {
    try {
      const r = await zbc.createProcessInstance({ bpmnProcessId: processId, variables: { i } });
      acknowledged.add(r.processInstanceKey);
      return;
    } catch (e) {
      noteError('create', e);
      await sleep(100);
    }
  }
}

async function startInstances() {
  const started = Date.now();
  const pending = [];
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / rate;
    if (due > Date.now()) await sleep(due - Date.now());
    pending.push(createOne(i));
  }
  await Promise.all(pending);
}

async function complete(job) {
  const tried = triedJobs.has(job.key);
  triedJobs.set(job.key, job.processInstanceKey);
  try {
    await zbc.completeJob({ jobKey: job.key, variables: { done: true } });
    completedInstances.add(job.processInstanceKey);
  } catch (e) {
    noteError('complete', e);
    // 5 = NOT_FOUND: completed before, by this worker, answer lost.
    if (e.code === 5 && tried) completedInstances.add(job.processInstanceKey);
  }
}

// The worker completes each job itself (job.forward() tells ZBWorker so), to
// see each completion's outcome.
function startWorker() {
  return zbc.createWorker({
    taskType: jobType,
    taskHandler: async (job) => {
      await complete(job);
      return job.forward();
    },
    maxJobsToActivate: 32,
    timeout: 3000,  // a job activated by a lost answer is offered again soon
    longPoll: 1000,
    pollInterval: 50,
  });
}

// A completion whose answer was lost leaves its job to time out; a later
// NOT_FOUND shows it went through, so those are sent again until answered.
async function waitForCompletions() {
  for (;;) {
    const missing = [...acknowledged].filter((k) => !completedInstances.has(k));
    if (missing.length === 0 || Date.now() > deadline) return;
    for (const [jobKey, instanceKey] of triedJobs) {
      if (!completedInstances.has(instanceKey) && acknowledged.has(instanceKey)) {
        await complete({ key: jobKey, processInstanceKey: instanceKey });
      }
    }
    await sleep(200);
  }
}

(async () => {
  const deployment = await deploy();
  const worker = startWorker();
  await startInstances();
  await waitForCompletions();
  await worker.close();
  const missing = [...acknowledged].filter((k) => !completedInstances.has(k));
  const partitions = {};
  for (const k of acknowledged) partitions[partitionOf(k)] = (partitions[partitionOf(k)] || 0) + 1;
  console.log(JSON.stringify({
    processDefinitionKey: deployment.deployments[0].process.processDefinitionKey,
    acknowledged: acknowledged.size,
    completed: [...acknowledged].filter((k) => completedInstances.has(k)).length,
    missing,
    partitions,
    errors,
  }));
  await zbc.close();
  process.exit(missing.length === 0 && acknowledged.size === count ? 0 : 1);
})().catch((e) => {
  console.log(JSON.stringify({ fatal: String(e && e.stack ? e.stack : e), errors }));
  process.exit(1);
});
