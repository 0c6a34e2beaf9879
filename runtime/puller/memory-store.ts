import type { ObjectStore } from "./types";

/** An in-memory ObjectStore (unit tests, benchmarks of the writer alone). */
export class MemoryObjectStore implements ObjectStore {
  readonly objects = new Map<string, { body: Buffer; contentType: string }>();
  puts = 0;
  /** Set to make the next puts fail (counts down to 0, then puts succeed again). */
  failNextPuts = 0;

  async put(key: string, body: Buffer, contentType: string): Promise<void> {
    if (this.failNextPuts > 0) {
      this.failNextPuts--;
      throw new Error(`MemoryObjectStore: injected failure putting ${key}`);
    }
    this.puts++;
    this.objects.set(key, { body: Buffer.from(body), contentType });
  }

  async get(key: string): Promise<Buffer | undefined> {
    return this.objects.get(key)?.body;
  }
}
