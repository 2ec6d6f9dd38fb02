// The thread of a ChartThread: loads Vega at once, then draws each chart it is sent and posts its SVG.
import { parentPort } from 'node:worker_threads';
import { reasonOf } from '../lib/reason.js';
import { chartRenderer } from './charts.js';
import type { ChartReply, ChartRequest } from './chartThread.js';

const renderer = chartRenderer();
// A failure to load is said for each chart asked for.
renderer.catch(() => undefined);

const reply = (message: ChartReply): void => parentPort?.postMessage(message);

parentPort?.on('message', ({ id, spec }: ChartRequest) => {
  renderer
    .then((draw) => draw(spec))
    .then(
      (svg) => reply({ id, svg }),
      (error: unknown) => reply({ id, problem: reasonOf(error) }),
    );
});
