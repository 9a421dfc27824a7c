// What a browser downloads for the front end, printed by scripts/build-release:
//  - the first load: the WASM, the script (with the loader of the split-off chunks) and the
//    styles, raw and as stored compressed (what the server sends to a browser that accepts
//    them), against the 300 KB budget;
//  - the chunks fetched on first use (engine/src/lazy.rs), which a first visit never downloads;
//  - with twiggy on PATH, the main WASM's code by crate, measured on the WASM before wasm-opt
//    and wasm-bindgen (names are gone after them), as shares that apply to the shipped size.
//
//   node scripts/bundle-report.mjs <site pkg dir> [<pre-optimisation main wasm>]
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

const [pkg, preOpt] = process.argv.slice(2)
const size = f => (existsSync(f) ? statSync(f).size : 0)
const files = readdirSync(pkg).filter(f => /\.(wasm|js|css)$/.test(f)).sort()
const onDemand = files.filter(f => f.endsWith('.wasm') && f !== 'whiteboard.wasm')
const firstLoad = files.filter(f => !onDemand.includes(f))

const row = (label, raw, gz, br, note = '') =>
  console.log(`  ${label.padEnd(28)} ${String(raw).padStart(10)} ${String(gz).padStart(10)} ${String(br).padStart(10)}${note}`)
function table (title, names, budget) {
  console.log(`\n${title.padEnd(30)} ${'raw'.padStart(10)} ${'gzip'.padStart(10)} ${'brotli'.padStart(10)}`)
  const total = [0, 0, 0]
  for (const name of names) {
    const f = join(pkg, name)
    const sizes = [size(f), size(f + '.gz'), size(f + '.br')]
    sizes.forEach((s, i) => { total[i] += s })
    row(name.length > 28 ? name.slice(0, 25) + '...' : name, ...sizes)
  }
  row('total', ...total, budget ? `   (budget: ${budget} as served, brotli)` : '')
}
table('first load (bytes)', firstLoad, '300 KB')
if (onDemand.length > 0) table('fetched on first use (bytes)', onDemand)

// The main WASM by crate. Generic code is counted under the crate that defines it.
function twiggy (wasm) {
  try {
    return JSON.parse(execFileSync('twiggy', ['top', '-n', '1000000', '-f', 'json', wasm],
      { maxBuffer: 1 << 30 }).toString())
  } catch { return null }
}
const items = preOpt && existsSync(preOpt) ? twiggy(preOpt) : null
if (!items) {
  console.log('\n(per-crate breakdown: install twiggy, scripts/setup does)')
} else {
  const byCrate = new Map()
  let code = 0
  for (const { name, shallow_size: bytes } of items) {
    // Names and wasm-bindgen's own sections are not shipped.
    if (name.includes('subsection') || name.startsWith('custom section') ||
      name.startsWith('export ') || name.startsWith('import ') || name.includes('__wbindgen_describe')) continue
    // `<T as crate::Trait>::f` and `<(A, B) as crate::Trait>::f` count for the trait's crate.
    const path = /^<[^<>]*? as /.test(name) ? name.replace(/^<[^<>]*? as /, '') : name
    const m = /^(?:<|&mut |&|dyn |impl )*([A-Za-z_][A-Za-z0-9_]*)(?:\[[0-9a-f]+\])?::/.exec(path)
    const crate = m ? m[1] : name.startsWith('data segment') ? '(static data)' : '(other)'
    byCrate.set(crate, (byCrate.get(crate) ?? 0) + bytes)
    code += bytes
  }
  console.log('\nmain WASM by crate (before wasm-opt)   share')
  for (const [crate, bytes] of [...byCrate].sort((a, b) => b[1] - a[1]).slice(0, 18)) {
    console.log(`  ${crate.padEnd(28)} ${(100 * bytes / code).toFixed(1).padStart(9)} %`)
  }
}
