import type { Logger } from 'pino';

export type Job = {
  /** kebab-case; also the name of the edge function pg_cron calls on Supabase. */
  name: string;
  intervalMs: number;
  run: () => Promise<number>;
};

/** In-process scheduler: each job on its own timer, never overlapping itself, errors logged not thrown. */
export class Scheduler {
  private timers: NodeJS.Timeout[] = [];
  private running = new Set<string>();

  constructor(
    private readonly jobs: Job[],
    private readonly log: Logger,
  ) {}

  start(): void {
    for (const job of this.jobs) {
      const timer = setInterval(() => void this.runOnce(job.name), job.intervalMs);
      timer.unref();
      this.timers.push(timer);
    }
  }

  /** Runs one job now (also used by tests and the edge functions); returns how many items it handled. */
  async runOnce(name: string): Promise<number> {
    const job = this.jobs.find((j) => j.name === name);
    if (!job) throw new Error(`unknown job ${name}`);
    if (this.running.has(name)) return 0;
    this.running.add(name);
    try {
      const n = await job.run();
      if (n > 0) this.log.info({ job: name, handled: n }, 'job ran');
      return n;
    } catch (err) {
      this.log.error({ err, job: name }, 'job failed');
      return 0;
    } finally {
      this.running.delete(name);
    }
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }
}
