// The browser tests' harness: every test gets its own `igdesk demo` (a fresh database,
// the Instagram simulator, two demo agents) started from the already built binary, and
// a `demo` fixture to drive it: simulated customers writing, igdesk's routing clock
// moved on, what the simulator received from igdesk.
//
//   IGDESK_BIN                    the binary (default: ../../../../target/debug/igdesk)
//   IGDESK_BROWSER_DATABASE_URL   run the demo on PostgreSQL: the URL of a database on
//                                 the server (e.g. postgres://postgres:postgres@127.0.0.1:5432/postgres);
//                                 the demo creates a fresh database there for its run
//                                 and drops it when it stops
import { test as base, expect, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

export { expect };

export type Login = { email: string; password: string; apiToken: string };

/** A customer as the simulator's User Profile API describes them. */
export type Customer = {
  igsid: string;
  name?: string;
  username: string;
  profile_pic?: string;
  follower_count?: number;
  is_verified_user?: boolean;
  is_user_follow_business?: boolean;
  is_business_follow_user?: boolean;
  /** The business account (IG id) they belong to; the demo shop's by default. */
  business?: string;
};

/** One scenario step (crates/igdesk_igs/src/scenario/step.rs): `kind` and its fields. */
export type Step = { kind: string; from?: string; id?: string; business?: string } & Record<
  string,
  string | number | boolean | undefined
>;

/** What the simulator's Send API accepted (crates/igdesk_igs/src/sim/records.rs). */
export type SentMessage = {
  business_ig_id: string;
  recipient_igsid: string;
  /** Set for a private reply to a comment. */
  comment_id: string | null;
  mid: string;
  kind: string;
  text: string | null;
  attachment_url: string | null;
  /** `HUMAN_AGENT` on a person's reply after 24 hours; never on an automatic one. */
  tag: string | null;
  at_ms: number;
};

/** A sender action the simulator accepted (react, unreact, mark_seen, typing_on …). */
export type SenderAction = {
  business_ig_id: string;
  recipient_igsid: string;
  action: string;
  target_mid: string | null;
  reaction: string | null;
  at_ms: number;
};

/** A comment-moderation call that reached a comment (reply, hide, unhide, delete). */
export type CommentAction = {
  business_ig_id: string;
  comment_id: string;
  action: string;
  message: string | null;
  reply_id: string | null;
  ok: boolean;
  error_code: number | null;
  error_message: string | null;
  at_ms: number;
};

type Ready = {
  url: string;
  igs_url: string;
  control_url: string | null;
  email: string;
  password: string;
  api_token: string;
  ig_id: string;
  agent2: { email: string; password: string; api_token: string; inbox: string; ig_id: string };
};

export const BIN = path.resolve(
  process.env.IGDESK_BIN ??
    path.join(process.env.CARGO_TARGET_DIR ?? path.join(__dirname, '../../../../target'), 'debug/igdesk'),
);

let customerSerial = 0;

export type DemoOptions = {
  /** Play the demo's opening scenario (Ana, Ben, Chloé, Dora write in). Default: no. */
  scenario?: boolean;
};

/** One running `igdesk demo`. */
export class Demo {
  readonly url: string;
  readonly igsUrl: string;
  readonly controlUrl: string;
  /** The demo shop's Instagram account id (routed to the Instagram inbox). */
  readonly igId: string;
  /** The VIP account's Instagram id (routed to the VIP inbox). */
  readonly vipIgId: string;
  /** demo@igdesk.local: administrator, works in the Instagram inbox. */
  readonly admin: Login;
  /** agent2@igdesk.local: agent, works in the VIP inbox only. */
  readonly agent2: Login;

  private constructor(
    ready: Ready,
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly logFile: string,
  ) {
    this.url = ready.url;
    this.igsUrl = ready.igs_url;
    this.controlUrl = ready.control_url ?? '';
    this.igId = ready.ig_id;
    this.vipIgId = ready.agent2.ig_id;
    this.admin = { email: ready.email, password: ready.password, apiToken: ready.api_token };
    this.agent2 = {
      email: ready.agent2.email,
      password: ready.agent2.password,
      apiToken: ready.agent2.api_token,
    };
  }

  static async start(options: DemoOptions = {}): Promise<Demo> {
    if (!fs.existsSync(BIN)) {
      throw new Error(`${BIN} is missing: build it first (cargo build -p igdesk --bin igdesk) or set IGDESK_BIN`);
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'igdesk-browser-'));
    const readyFile = path.join(dir, 'ready.json');
    const logFile = path.join(dir, 'demo.log');
    const args = [
      'demo',
      '--quiet',
      '--paused-clock',
      '--listen',
      '127.0.0.1:0',
      '--database',
      path.join(dir, 'demo.db'),
      '--ready-file',
      readyFile,
    ];
    if (!options.scenario) args.push('--no-scenario');
    const databaseUrl = process.env.IGDESK_BROWSER_DATABASE_URL;
    if (databaseUrl) args.push('--database-url', databaseUrl);
    const log = fs.openSync(logFile, 'a');
    const child = spawn(BIN, args, {
      cwd: dir,
      env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'warn' },
      stdio: ['ignore', log, log],
    });
    fs.closeSync(log);
    const deadline = Date.now() + 30_000;
    while (!fs.existsSync(readyFile)) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`igdesk demo stopped (${child.exitCode ?? child.signalCode}):\n${fs.readFileSync(logFile, 'utf8')}`);
      }
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`igdesk demo was not ready within 30 s:\n${fs.readFileSync(logFile, 'utf8')}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const ready: Ready = JSON.parse(fs.readFileSync(readyFile, 'utf8'));
    return new Demo(ready, child, dir, logFile);
  }

  /** Stops the demo gracefully (its PostgreSQL database is dropped), then removes its folder. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  log(): string {
    try {
      return fs.readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  /**
   * Simulated customers write: `steps` (and `customers` to register first, so their
   * names come from the User Profile API) played by the simulator as one scenario
   * (POST /_igs/scenario). Answers each step's outcome (`mid`, webhook `status`).
   */
  async deliver(
    steps: Step[],
    customers: Customer[] = [],
  ): Promise<{ step: number; label: string | null; kind: string; mid: string | null; status: number | null }[]> {
    const toml = [`business = ${JSON.stringify(this.igId)}`];
    for (const customer of customers) toml.push('', '[[customer]]', ...tomlFields(customer));
    for (const step of steps) toml.push('', '[[step]]', ...tomlFields(step));
    const response = await fetch(`${this.igsUrl}/_igs/scenario`, {
      method: 'POST',
      body: toml.join('\n') + '\n',
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`the simulator refused the scenario (${response.status}): ${text}\n${toml.join('\n')}`);
    const outcomes = JSON.parse(text);
    for (const outcome of outcomes) {
      if (outcome.status !== null && outcome.status !== 200) {
        throw new Error(`igdesk answered ${outcome.status} to step ${outcome.step}: ${JSON.stringify(outcome)}`);
      }
    }
    return outcomes;
  }

  /** A new customer of the demo shop (or `business`), with a unique IGSID. */
  newCustomer(name: string, extra: Partial<Customer> = {}): Customer {
    customerSerial += 1;
    const igsid = `${(extra.business ?? this.igId) === this.vipIgId ? 4 : 3}${String(process.pid % 10000).padStart(4, '0')}${String(customerSerial).padStart(4, '0')}`;
    const username = name.toLowerCase().normalize('NFD').replace(/[^a-z]+/g, '.');
    return { igsid, name, username, follower_count: 120, ...extra };
  }

  /** `customer` sends a DM with `text` (registered with the simulator first). */
  async dm(customer: Customer, text: string): Promise<string> {
    const step: Step = { kind: 'text', from: customer.igsid, text };
    if (customer.business) step.business = customer.business;
    const [outcome] = await this.deliver([step], [customer]);
    return outcome.mid ?? '';
  }

  /** Moves igdesk's routing clock on (the demo runs with --paused-clock). */
  async advanceClock(ms: number): Promise<void> {
    const response = await fetch(`${this.controlUrl}/advance?ms=${ms}`, { method: 'POST' });
    if (!response.ok) throw new Error(`advancing the clock: ${response.status} ${await response.text()}`);
  }

  /**
   * The customer deletes the Story at `url` (a Story mention's URL on the simulator's
   * CDN, `…/_igs/cdn/story/{asset_id}`): from now on the CDN answers 404 for it.
   */
  async deleteStory(url: string): Promise<void> {
    const id = new URL(url).pathname.split('/').pop();
    const response = await fetch(`${this.igsUrl}/_igs/stories/${id}`, { method: 'DELETE' });
    if (!response.ok) throw new Error(`deleting the Story ${url}: ${response.status} ${await response.text()}`);
  }

  /** Every message the simulator's Send API accepted from igdesk. */
  async sent(): Promise<SentMessage[]> {
    const response = await fetch(`${this.igsUrl}/_igs/sent`);
    return response.json();
  }

  /** Every sender action the simulator accepted from igdesk (GET /_igs/actions). */
  async actions(): Promise<SenderAction[]> {
    const response = await fetch(`${this.igsUrl}/_igs/actions`);
    return response.json();
  }

  /** Every comment-moderation call the simulator took (GET /_igs/comment_actions). */
  async commentActions(): Promise<CommentAction[]> {
    const response = await fetch(`${this.igsUrl}/_igs/comment_actions`);
    return response.json();
  }

  /**
   * A failure the simulator's Graph API answers with from now on (POST /_igs/fault):
   * e.g. `{ kind: 'send_error', code: 551, message: '…' }`; `null` clears it.
   */
  async fault(fault: Record<string, unknown> | null): Promise<void> {
    const response = await fetch(`${this.igsUrl}/_igs/fault`, { method: 'POST', body: JSON.stringify(fault) });
    if (!response.ok) throw new Error(`setting a fault: ${response.status} ${await response.text()}`);
  }

  /** igdesk's REST API as `login` (bearer token). */
  async api(login: Login, method: string, apiPath: string, body?: unknown): Promise<any> {
    const response = await fetch(`${this.url}/api/v1${apiPath}`, {
      method,
      headers: {
        Authorization: `Bearer ${login.apiToken}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${apiPath}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }

  /** Available (or away) for offers, through the API. */
  async setAvailable(login: Login, available = true): Promise<void> {
    await this.api(login, 'PUT', '/me/availability', { available });
  }

  /** The customer's id in igdesk once their profile has been fetched (their name known). */
  async customerId(customer: Customer, login: Login = this.admin): Promise<number> {
    let found: number | undefined;
    await expect
      .poll(
        async () => {
          const list = await this.api(login, 'GET', `/customers?igsid=${encodeURIComponent(customer.igsid)}`);
          found = (list.data ?? []).find((c: any) => !customer.name || c.name === customer.name)?.id;
          return found;
        },
        { timeout: 10_000 },
      )
      .toBeDefined();
    return found!;
  }
}

function tomlFields(table: Record<string, unknown>): string[] {
  return Object.entries(table)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key} = ${JSON.stringify(value)}`);
}

/** Signs in on the sign-in page (`/`) and waits for the desk. */
export async function signIn(page: Page, login: Login): Promise<void> {
  await page.goto('/');
  await page.getByLabel('Email').fill(login.email);
  await page.getByLabel('Password').fill(login.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/desk$/);
}

/** The offer banner that shows `text` (a name or a preview) in the region named Offers. */
export function offerOf(page: Page, text: string) {
  return page.getByRole('region', { name: 'Offers' }).getByRole('article').filter({ hasText: text });
}

/** A PNG of `width` × `height` pixels in one colour: a small real image to upload. */
export function solidPng(width: number, height: number, [r, g, b]: [number, number, number]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per sample
  header[9] = 2; // truecolour
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, () => [r, g, b]).flat())]);
  const pixels = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(pixels)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * Signed in as the administrator, available; a new customer `name` writes `text`,
 * and the offer is accepted: the page is on their profile, ready to answer.
 */
export async function acceptedCustomer(page: Page, demo: Demo, name: string, text: string) {
  await signIn(page, demo.admin);
  await demo.setAvailable(demo.admin);
  const customer = demo.newCustomer(name);
  const mid = await demo.dm(customer, text);
  const offer = offerOf(page, text.slice(0, 40));
  await offer.getByRole('button', { name: 'Accept' }).click();
  await expect(page).toHaveURL(/\/customers\/\d+(#.*)?$/);
  // The page's scripts have run once the composer has the focus.
  await expect(page.getByRole('textbox', { name: 'Message' })).toBeFocused();
  const customerId = Number(new URL(page.url()).pathname.split('/').pop());
  return { customer, customerId, mid };
}

export const test = base.extend<{ demo: Demo; demoOptions: DemoOptions }>({
  demoOptions: [{}, { option: true }],
  demo: async ({ demoOptions }, use, testInfo) => {
    const demo = await Demo.start(demoOptions);
    await use(demo);
    if (testInfo.status !== testInfo.expectedStatus) {
      await testInfo.attach('igdesk demo log', { body: demo.log(), contentType: 'text/plain' });
    }
    await demo.stop();
  },
  baseURL: async ({ demo }, use) => {
    await use(demo.url);
  },
});
