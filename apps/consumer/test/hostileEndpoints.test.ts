/**
 * The apps against endpoints that misbehave, as processes, all on loopback:
 *
 * - one that accepts connections and never answers: each app logs its first retry within a few
 *   seconds and gives up within about 30 s with one line (it used to be silent for 203 s);
 * - one that refuses every request with a SignatureDoesNotMatch echoing the credentials, token
 *   and signature, as AWS's error text can: nothing any app prints, at any log level and in
 *   either log format, contains them;
 * - a local SQS with an idle queue and `--wait 0s`: the consumer backs off instead of asking
 *   hundreds of times a second.
 */
import { createServer as createHttpServer, type Server } from "node:http"
import { createServer, type Socket } from "node:net"
import { runApp, spawnApp } from "@bgcheck/app-kit/testing"
import { BACKGROUND_CHECK_QUEUES, start } from "@bgcheck/local-sqs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const APPS = ["consumer", "sender", "status-reporter"] as const

const listen = (server: Server | ReturnType<typeof createServer>) =>
  new Promise<string>((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      resolve(`http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`)
    })
  )

describe("an endpoint that accepts connections and never answers", () => {
  const sockets = new Set<Socket>()
  const silent = createServer((socket) => {
    // Read and hold every connection, answer nothing.
    sockets.add(socket)
    socket.on("data", () => {})
    socket.on("close", () => sockets.delete(socket))
  })
  let endpoint: string
  beforeAll(async () => {
    endpoint = await listen(silent)
  })
  afterAll(() => {
    for (const socket of sockets) socket.destroy()
    silent.close()
  })

  it.concurrent.each(APPS)(
    "%s logs its first retry within seconds and fails within about 30 s with one line",
    async (app) => {
      const startedAt = Date.now()
      const running = spawnApp(app, ["--endpoint", endpoint], {})
      let firstRetryAfter: number | undefined
      running.child.stderr.on("data", (chunk: Buffer) => {
        if (firstRetryAfter === undefined && /no answer from SQS .*retry 1/.test(chunk.toString())) {
          firstRetryAfter = Date.now() - startedAt
        }
      })
      const code = await running.exited
      const tookMs = Date.now() - startedAt
      expect(code).toBe(1)
      expect(tookMs).toBeLessThan(45_000)
      expect(firstRetryAfter, running.stderr.join("\n")).toBeDefined()
      // 5 s of deadline after the app's start-up, which takes seconds on a loaded CI machine;
      // before deadlines, the first sign of life came after 40 s.
      expect(firstRetryAfter).toBeLessThan(20_000)
      const retries = running.stderr.filter((line) => /WARN .*no answer from SQS/.test(line))
      expect(retries).toHaveLength(4)
      const failure = running.stderr.filter((line) => line.startsWith(`${app}:`))
      expect(failure).toEqual([`${app}: no answer from SQS at ${endpoint} within 5s`])
    },
    60_000
  )
})

describe("an endpoint whose errors echo the credentials", () => {
  const secrets = {
    AWS_ACCESS_KEY_ID: "AKIAQTESTLEAK7777777",
    AWS_SECRET_ACCESS_KEY: "qS3cr3t/Test+Leak/DoNotPrint/0123456789ab",
    AWS_SESSION_TOKEN: "IQoJb3JpZ2luX2VjTESTLEAKTOKEN0123456789abcdefABCDEF"
  }
  const signature = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
  // What AWS says to a request signed with the wrong key: it quotes what it expected to sign.
  const echo = [
    "The request signature we calculated does not match the signature you provided.",
    "The Canonical String for this request should have been 'POST\n/\n\nhost:127.0.0.1",
    `x-amz-security-token:${secrets.AWS_SESSION_TOKEN}'`,
    `Credential=${secrets.AWS_ACCESS_KEY_ID}/20261129/us-east-1/sqs/aws4_request, Signature=${signature}`,
    `SecretAccessKey=${secrets.AWS_SECRET_ACCESS_KEY}`
  ].join("\n")
  const refusing = createHttpServer((request, response) => {
    request.resume()
    request.on("end", () => {
      response.writeHead(403, {
        "content-type": "application/x-amz-json-1.0",
        "x-amzn-query-error": "SignatureDoesNotMatch;Sender"
      })
      response.end(
        JSON.stringify({ __type: "com.amazon.coral.service#SignatureDoesNotMatch", message: echo })
      )
    })
  })
  let endpoint: string
  beforeAll(async () => {
    endpoint = await listen(refusing)
  })
  afterAll(() => refusing.close())

  const cases = APPS.flatMap((app) => (["pretty", "json"] as const).map((format) => [app, format] as const))

  it.concurrent.each(cases)(
    "%s (%s logs, every level) prints no credential, token or signature",
    async (app, format) => {
      const running = spawnApp(app, ["--endpoint", endpoint], {
        ...secrets,
        LOG_LEVEL: "all",
        LOG_FORMAT: format
      })
      expect(await running.exited).toBe(1)
      const printed = running.output.join("\n")
      expect(printed).toMatch(/access denied .*SignatureDoesNotMatch/)
      for (const secret of [...Object.values(secrets), signature]) expect(printed).not.toContain(secret)
    },
    30_000
  )
})

describe("an endpoint that echoes the credentials bare, with no label", () => {
  const secrets = {
    AWS_ACCESS_KEY_ID: "probeAccessKeyId",
    AWS_SECRET_ACCESS_KEY: "probeSecretValue",
    AWS_SESSION_TOKEN: "probeSessionToken"
  }
  const echoing = createHttpServer((request, response) => {
    request.resume()
    request.on("end", () => {
      response.writeHead(400, { "content-type": "application/x-amz-json-1.0" })
      const values = Object.values(secrets)
      response.end(
        JSON.stringify({
          __type: "com.amazonaws.sqs#InvalidParameterValue",
          message: `saw ${values.join(" ")}; encoded ${values.map(encodeURIComponent).join(" ")} ${values
            .map((value) => Buffer.from(value).toString("base64"))
            .join(" ")}`
        })
      )
    })
  })
  let endpoint: string
  beforeAll(async () => {
    endpoint = await listen(echoing)
  })
  afterAll(() => echoing.close())

  const cases = (["consumer", "sender", "queues"] as const).flatMap((app) =>
    (["pretty", "json"] as const).map((format) => [app, format] as const)
  )

  it.concurrent.each(cases)(
    "%s (%s logs, every level) prints none of their values, in any obvious encoding",
    async (app, format) => {
      const args = app === "queues" ? ["list", "--endpoint", endpoint] : ["--endpoint", endpoint]
      const running = spawnApp(app, args, { ...secrets, LOG_LEVEL: "all", LOG_FORMAT: format })
      expect(await running.exited).toBe(1)
      const printed = running.output.join("\n")
      expect(printed).toContain("InvalidParameterValue")
      for (const value of Object.values(secrets))
        for (const form of [value, Buffer.from(value).toString("base64")]) expect(printed).not.toContain(form)
    },
    30_000
  )
})

describe("an endpoint written as an IPv4-mapped IPv6 loopback address", () => {
  const seen: Array<{ authorization: string; token: string | undefined }> = []
  const recording = createHttpServer((request, response) => {
    seen.push({
      authorization: String(request.headers.authorization ?? ""),
      token: request.headers["x-amz-security-token"] as string | undefined
    })
    request.resume()
    request.on("end", () => {
      response.writeHead(400, {
        "content-type": "application/x-amz-json-1.0",
        "x-amzn-query-error": "AWS.SimpleQueueService.NonExistentQueue;Sender"
      })
      response.end(JSON.stringify({ __type: "com.amazonaws.sqs#QueueDoesNotExist", message: "no" }))
    })
  })
  let port: string
  beforeAll(async () => {
    port = new URL(await listen(recording)).port
  })
  afterAll(() => recording.close())

  it("is loopback: the sender signs with placeholders, never the environment's keys or session token", async () => {
    const run = await runApp("sender", ["--endpoint", `http://[::ffff:127.0.0.1]:${port}`], {
      AWS_ACCESS_KEY_ID: "AKIAREALKEYFROMENV01",
      AWS_SECRET_ACCESS_KEY: "realSecretFromTheEnvironment",
      AWS_SESSION_TOKEN: "realSessionTokenFromTheEnvironment"
    })
    expect(run.code).toBe(1)
    expect(seen.length).toBeGreaterThan(0)
    for (const request of seen) {
      expect(request.token).toBeUndefined()
      expect(request.authorization).toMatch(/Credential=local\//)
    }
  }, 30_000)
})

describe("the consumer with --wait 0s on an idle queue", () => {
  it("backs off after empty receives instead of asking hundreds of times a second", async () => {
    const server = await start({ queues: BACKGROUND_CHECK_QUEUES })
    try {
      const consumer = spawnApp("consumer", ["--endpoint", server.endpoint, "--wait", "0s"], {})
      // Count from its first receive, so that the start-up time does not matter.
      while ((server.requestCounts().ReceiveMessage ?? 0) === 0) {
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      server.resetRequestCounts()
      await new Promise((resolve) => setTimeout(resolve, 3_000))
      const receives = server.requestCounts().ReceiveMessage ?? 0
      consumer.child.kill("SIGTERM")
      expect(await consumer.exited).toBe(0)
      // Unpaced: about 840 a second. Paced: 50 ms growing to 1 s between empty receives.
      expect(receives).toBeLessThanOrEqual(20)
      expect(receives).toBeGreaterThanOrEqual(3)
    } finally {
      await server.stop()
    }
  }, 30_000)
})
