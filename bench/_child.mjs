// What the benchmarks that run node as a child process share: how long it ran and its peak memory.
import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';

// Reports the child's peak RSS on fd 3 when it exits, whatever way it exits. The preload runs in worker
// threads too; the process's figure (threads included) is the main thread's to report.
const peakRss =
  'data:text/javascript,import{writeSync}from"node:fs";import{isMainThread}from"node:worker_threads";' +
  'if(isMainThread)process.on("exit",()=>{try{writeSync(3,String(process.resourceUsage().maxRSS*1024))}catch{}})';

/**
 * Runs node with these arguments; resolves with its exit code, stdout, stderr, wall time and peak RSS.
 * `stdout` is piped and kept unless it is a file descriptor to write to, or a function given each
 * chunk (then none is kept); stderr is inherited unless 'pipe'.
 */
export function runNode(args, { stdout = 'pipe', stderr = 'inherit' } = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', peakRss, ...args], {
      stdio: ['ignore', typeof stdout === 'function' ? 'pipe' : stdout, stderr, 'pipe'],
    });
    const out = [];
    const err = [];
    let rss = '';
    child.stdout?.on('data', typeof stdout === 'function' ? stdout : (chunk) => out.push(chunk));
    child.stderr?.on('data', (chunk) => err.push(chunk));
    child.stdio[3].on('data', (chunk) => (rss += chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code,
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
        ms: performance.now() - started,
        rss: Number(rss),
      }),
    );
  });
}

export const mb = (bytes) => `${(bytes / 1e6).toFixed(0)} MB`;
