import { main } from "../../cli/lakehouse";

/** What one CLI run printed, and its exit code. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the CLI in-process as a user runs it: from `cwd` (default: where the test runs), its stderr a
 * terminal when `terminal` is set (progress is shown only there); captures both streams.
 */
export async function runCli(args: string[], o: { cwd?: string; terminal?: boolean } = {}): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const before = process.cwd();
  if (o.cwd) process.chdir(o.cwd);
  try {
    const code = await main(
      args,
      { write: (s: string) => ((stdout += s), true) } as never,
      { isTTY: o.terminal === true, write: (s: string) => ((stderr += s), true) } as never,
    );
    return { code, stdout, stderr };
  } finally {
    process.chdir(before);
  }
}
