// The npm packages the benchmark uses, loaded from end2end/node_modules (no package.json of
// its own). Everything comes through one CommonJS `require`, so y-websocket and this code share
// a single instance of yjs.
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

const require = createRequire(join(repoRoot, 'end2end', 'package.json'))

export const Y = require('yjs')
export const { WebsocketProvider } = require('y-websocket')
export const WebSocket = require('ws')
export const { chromium } = require('playwright')
