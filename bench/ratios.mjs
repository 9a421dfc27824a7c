// Ratios of this server ("whiteboard") to @y/websocket-server ("ywss") per scenario and run,
// for the targets in the docs: CPU per delivered update, peak memory, late-join step 2 time,
// time until every client resynced after a restart. Usage: node ratios.mjs RESULTS_DIR
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

const dir = process.argv[2]
const results = new Map()
for (const f of readdirSync(dir).filter(f => f.endsWith('.json'))) {
  const [server, scenario, run] = f.replace(/\.json$/, '').split('.')
  const lines = readFileSync(join(dir, f), 'utf8').trim().split('\n')
  try { results.set(`${server}.${scenario}.${run}`, JSON.parse(lines[lines.length - 1])) } catch {}
}
const ratio = (a, b) => (a == null || b == null || b === 0) ? '-' : (a / b).toFixed(2)
const peak = s => s?.server?.peakSampled?.anonKB
console.log('\n### whiteboard / @y/websocket-server\n')
console.log('| scenario | run | CPU per delivered update | peak RssAnon | late-join step 2 p50 | all resynced after restart | both ok |')
console.log('|---|---|---|---|---|---|---|')
const keys = [...results.keys()].filter(k => k.startsWith('whiteboard.')).sort()
for (const k of keys) {
  const [, scenario, run] = k.split('.')
  const w = results.get(k); const y = results.get(`ywss.${scenario}.${run}`)
  if (!y) continue
  console.log(`| ${scenario} | ${run.replace('run', '')} | ${ratio(w.updates?.serverCpuUsPerDelivery, y.updates?.serverCpuUsPerDelivery)} | ${ratio(peak(w), peak(y))} | ${ratio(w.lateJoin?.step2ArrivedMs?.p50, y.lateJoin?.step2ArrivedMs?.p50)} | ${ratio(w.restart?.allResyncedAfterRestartMs, y.restart?.allResyncedAfterRestartMs)} | ${w.ok && y.ok ? 'yes' : 'NO'} |`)
}
