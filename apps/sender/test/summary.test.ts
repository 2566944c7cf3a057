import { Option } from "effect"
import { describe, expect, it } from "vitest"
import type { Labelled } from "../src/messages.ts"
import * as Summary from "../src/summary.ts"

const line = (number: number): Labelled => ({ label: `line ${number}`, number, body: `job ${number}` })

const summaryOf = (
  fields: Partial<Parameters<typeof Summary.json>[1]>
): Parameters<typeof Summary.json>[1] => ({
  sent: 0,
  failed: 0,
  seconds: 2,
  rate: 0,
  failures: [],
  stopped: false,
  abandoned: 0,
  answeredPrefix: 0,
  lastOfPrefix: Option.none(),
  sentAfterPrefix: 0,
  ...fields
})

const file: Summary.Source = { _tag: "File", path: "jobs.txt" }

describe("the summary of a bulk send", () => {
  it("gives the counts of a whole run, as before", () => {
    const run = { queue: "q", source: file, total: 3, stoppedBy: Option.none() }
    const summary = summaryOf({ sent: 3, rate: 1.5, answeredPrefix: 3, lastOfPrefix: Option.some(line(4)) })
    expect(Summary.lines(run, summary)).toEqual(["3 sent, 0 failed to q in 2.00s (2 messages/s)"])
    expect(JSON.parse(Summary.json(run, summary))).toEqual({
      queue: "q",
      sent: 3,
      failed: 0,
      seconds: 2,
      messagesPerSecond: 2,
      failures: [],
      total: 3,
      interrupted: false,
      notSent: 0
    })
  })

  it("says after a stop what was not sent, the last line all before it were sent, and how to resume", () => {
    const run = { queue: "q", source: file, total: 100, stoppedBy: Option.some("SIGINT" as const) }
    const summary = summaryOf({
      sent: 38,
      failed: 1,
      failures: [{ item: line(7), code: "InvalidMessageContents", message: "bad" }],
      stopped: true,
      abandoned: 10,
      answeredPrefix: 29,
      lastOfPrefix: Option.some(line(31)),
      sentAfterPrefix: 10
    })
    expect(Summary.lines(run, summary)).toEqual([
      "failed line 7: InvalidMessageContents: bad",
      "stopped by SIGINT: 38 sent, 1 failed, 51 not sent, 10 abandoned to q in 2.00s (0 messages/s)",
      "the requests in flight were abandoned: SQS may or may not have stored their 10 messages (a resume sends them again)",
      "every line through line 31 was sent or failed (as listed)",
      "10 lines after line 31 were sent too: resuming sends them again",
      "to send the rest: tail -n +32 jobs.txt | sender --file - (with the same other flags)"
    ])
    expect(JSON.parse(Summary.json(run, summary))).toMatchObject({
      sent: 38,
      failed: 1,
      total: 100,
      interrupted: true,
      signal: "SIGINT",
      notSent: 51,
      abandoned: 10,
      sentThroughLine: 31,
      resumeFromLine: 32,
      duplicatesOnResume: 10
    })
  })

  it("counts copies rather than lines, and says when nothing is left to send", () => {
    const run = {
      queue: "q",
      source: { _tag: "Copies" } as const,
      total: 20,
      stoppedBy: Option.some("SIGTERM" as const)
    }
    const summary = summaryOf({
      sent: 20,
      stopped: true,
      answeredPrefix: 20,
      lastOfPrefix: Option.some(line(20))
    })
    expect(Summary.lines(run, summary).slice(1)).toEqual(["every message was sent: nothing is left to send"])
    const json = JSON.parse(Summary.json(run, summary))
    expect(json).toMatchObject({ signal: "SIGTERM", notSent: 0, sentThroughMessage: 20 })
    expect(json.resumeFromMessage).toBeUndefined()
  })

  it("resumes from the first line when none was answered", () => {
    const run = {
      queue: "q",
      source: { _tag: "Stdin" } as const,
      total: 5,
      stoppedBy: Option.some("SIGINT" as const)
    }
    const summary = summaryOf({ stopped: true })
    expect(Summary.lines(run, summary).slice(1)).toEqual([
      "the first line was not sent",
      "to send the rest, give sender --file - the same input from line 1 on (tail -n +1)"
    ])
  })
})
