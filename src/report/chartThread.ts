import { Worker } from 'node:worker_threads';
import type { ChartSpec } from './charts.js';

export type ChartRequest = { readonly id: number; readonly spec: ChartSpec };
export type ChartReply =
  { readonly id: number; readonly svg: string } | { readonly id: number; readonly problem: string };

type Pending = { readonly resolve: (svg: string) => void; readonly reject: (error: Error) => void };

/**
 * One more thread that draws charts, so that a page's charts are drawn on two cores once the audit
 * is done. It loads Vega as soon as it starts (while the audit runs), and keeps the process alive
 * only while it has charts to draw.
 */
export class ChartThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private next = 0;
  private failure: Error | undefined;

  constructor() {
    this.worker = new Worker(new URL('./chartWorker.js', import.meta.url));
    this.worker.unref();
    this.worker.on('message', (message: ChartReply) => {
      const pending = this.pending.get(message.id);
      if (pending === undefined) return;
      this.settled(message.id);
      if ('svg' in message) pending.resolve(message.svg);
      else pending.reject(new Error(message.problem));
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`the chart thread stopped (exit code ${code})`)));
  }

  private settled(id: number): void {
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker.unref();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const [id, { reject }] of this.pending) {
      this.settled(id);
      reject(error);
    }
  }

  /** A chart as SVG, drawn in this thread. */
  draw(spec: ChartSpec): Promise<string> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const id = this.next++;
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ id, spec } satisfies ChartRequest);
    });
  }

  /** Stops the thread; the charts not yet drawn are refused. */
  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
