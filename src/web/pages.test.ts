import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RankingRecord } from '../data/ranking.js';
import { openStore } from '../feedback/db/open.js';
import type { FeedbackStore } from '../feedback/db/store.js';
import { createApp } from '../feedback/server/app.js';
import { listen, type RunningServer } from '../feedback/server/listen.js';
import { hashToken, newToken } from '../feedback/tokens.js';
import { mountPages } from './pages.js';

/**
 * The pages in a real browser: Debian's Chromium driven by playwright-core against a
 * real server and database. Skipped (with a message) only where Chromium is missing.
 */
const CHROMIUM = '/usr/bin/chromium';
const noBrowser = !existsSync(CHROMIUM);
if (noBrowser)
  console.warn(
    `skipping browser tests: ${CHROMIUM} not found (install: bash scripts/install-system-deps.sh)`,
  );

let profile: string;
let context: BrowserContext;
let store: FeedbackStore;
let server: RunningServer;
let dir: string;

beforeAll(async () => {
  if (noBrowser) return;
  profile = mkdtempSync(join(tmpdir(), 'rein-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    // Tall enough that the whole list is on screen while dragging.
    viewport: { width: 1200, height: 1600 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
});
afterAll(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

beforeEach(async () => {
  if (noBrowser) return;
  dir = mkdtempSync(join(tmpdir(), 'rein-pages-'));
  store = await openStore(join(dir, 'feedback.db'));
  server = await listen(createApp({ store, pages: mountPages }), store, { port: 0 });
});
afterEach(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function addLabeler(name: string): Promise<string> {
  const token = newToken();
  await store.addLabeler({ name, role: 'labeler', tokenHash: hashToken(token) });
  return token;
}

/** The candidate texts in the order the page shows them. */
function shown(page: Page): Promise<string[]> {
  return page.locator('#ranking .card-text').allTextContents();
}

function card(page: Page, text: string) {
  return page.locator('#ranking > li', { has: page.locator('.card-text', { hasText: text }) });
}

/** Drags a card by its header so that it lands at `target` (0-based). */
async function dragTo(page: Page, text: string, target: number): Promise<void> {
  const from = (await shown(page)).findIndex((t) => t.includes(text));
  if (from === target) return;
  const src = await card(page, text).locator('.card-head').boundingBox();
  const dst = await page.locator('#ranking > li').nth(target).boundingBox();
  await page.mouse.move(src!.x + 30, src!.y + src!.height / 2);
  await page.mouse.down();
  const y = target < from ? dst!.y + 4 : dst!.y + dst!.height - 4;
  await page.mouse.move(src!.x + 30, y, { steps: 12 });
  await page.mouse.up();
}

describe.skipIf(noBrowser)('pages in Chromium', () => {
  it('ranks three prompts by drag and by keyboard; the database holds exactly those rankings', async () => {
    await store.createRound({
      name: 'r1',
      focus: 'Look hard at flattery (sycophancy).',
      labelersPerPrompt: 1,
    });
    const texts = (n: number) => [`best ${n}`, `good ${n}`, `fair ${n}`, `worst ${n}`];
    await store.addPrompts('r1', [
      { id: 'q1', text: 'Prompt one', candidates: texts(1).map((text) => ({ text })) },
      { id: 'q2', text: 'Prompt two', candidates: texts(2).map((text) => ({ text })) },
      {
        id: 'q3',
        text: '第三个问题：法国的首都是哪里？',
        lang: 'zh',
        candidates: ['best 3 巴黎', 'good 3', 'fair 3', 'worst 3'].map((text) => ({ text })),
      },
    ]);
    const token = await addLabeler('ann');
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text()); // CSP violations land here
    });
    await page.goto(`${server.url}/#token=${token}`);
    await expect.poll(() => page.locator('#prompt').textContent()).toBe('Prompt one');
    expect(page.url()).not.toContain('token='); // the token left the address bar
    await expect.poll(() => page.locator('#focus').textContent()).toBe('Look hard at flattery (sycophancy).');

    // The order is this labeler's own and survives a reload.
    const before = await shown(page);
    await page.reload();
    await expect.poll(() => shown(page)).toEqual(before);

    // Prompt 1: by mouse.
    const want1 = texts(1);
    for (let i = 0; i < want1.length; i++) await dragTo(page, want1[i], i);
    expect(await shown(page)).toEqual(want1);
    await page.locator('#submit').click();
    await expect.poll(() => page.locator('#prompt').textContent()).toBe('Prompt two');

    // Prompt 2: by keyboard — focus a card, press its target position's number.
    const want2 = texts(2);
    for (let i = 0; i < want2.length; i++) {
      await card(page, want2[i]).focus();
      await page.keyboard.press(String(i + 1));
    }
    // Arrow keys too: move the best one down, then back up.
    await card(page, 'best 2').focus();
    await page.keyboard.press('ArrowDown');
    expect((await shown(page))[1]).toBe('best 2');
    await page.keyboard.press('ArrowUp');
    expect(await shown(page)).toEqual(want2);
    await page.locator('#submit').click();
    await expect.poll(() => page.locator('#prompt').textContent()).toBe('第三个问题：法国的首都是哪里？');
    expect(await page.locator('#prompt').getAttribute('lang')).toBe('zh');

    // Prompt 3: keyboard with a tie, a flag and a note.
    const want3 = ['best 3 巴黎', 'good 3', 'fair 3', 'worst 3'];
    for (let i = 0; i < want3.length; i++) {
      await card(page, want3[i]).focus();
      await page.keyboard.press(String(i + 1));
    }
    await card(page, 'fair 3').focus();
    await page.keyboard.press('t');
    expect(await card(page, 'fair 3').locator('.rank').textContent()).toBe('=2');
    // "much worse than the answer above": M on the worst, the button on good 3 on and off again,
    // and none on a tied card
    await card(page, 'worst 3').focus();
    await page.keyboard.press('m');
    expect(await card(page, 'worst 3').locator('.much-worse').getAttribute('aria-pressed')).toBe('true');
    const goodWorse = card(page, 'good 3').locator('button.much-worse');
    await goodWorse.click();
    expect(await goodWorse.getAttribute('aria-pressed')).toBe('true');
    await goodWorse.click();
    expect(await goodWorse.getAttribute('aria-pressed')).toBe('false');
    expect(await card(page, 'fair 3').locator('button.much-worse').isDisabled()).toBe(true);
    await card(page, 'worst 3').getByLabel('sycophancy').check();
    await page.locator('#note').fill('worst one flatters');
    await page.locator('#submit').click();
    await expect.poll(() => page.locator('#done').isVisible()).toBe(true);
    expect(errors).toEqual([]);

    const stored = (await store.listRankings()).map((r) => RankingRecord.parse(r));
    expect(stored).toHaveLength(3);
    const asText = (r: RankingRecord) => {
      const t = new Map(r.candidates.map((c) => [c.id, c.text]));
      return {
        prompt: r.prompt.id,
        ordering: r.ordering.map((tier) => tier.map((id) => t.get(id))),
        flags: r.flags,
        r,
      };
    };
    const [s1, s2, s3] = stored.map(asText).sort((a, b) => a.prompt.localeCompare(b.prompt));
    expect(s1.ordering).toEqual(want1.map((x) => [x]));
    expect(s2.ordering).toEqual(want2.map((x) => [x]));
    expect(s3.ordering).toEqual([['best 3 巴黎'], ['good 3', 'fair 3'], ['worst 3']]);
    expect(s3.r.gaps).toEqual([0, 1]); // tier 3 much worse than tier 2
    expect([s1.r.gaps, s2.r.gaps]).toEqual([undefined, undefined]); // no mark: order only
    expect(Object.values(s3.flags)).toEqual([['sycophancy']]);
    expect(s3.r.candidates.find((c) => c.id === Object.keys(s3.flags)[0])?.text).toBe('worst 3');
    expect(s3.r.note).toBe('worst one flatters');
    expect(stored.every((r) => r.labeler === 'ann' && (r.time_ms ?? -1) >= 0)).toBe(true);
    await page.close();
  });

  it('submits a ranking and a demonstration left open for over a day, their time capped at a day', async () => {
    await store.createRound({ name: 'r', focus: '', labelersPerPrompt: 1 });
    await store.addPrompts('r', [
      { id: 'q', text: 'Slow prompt', candidates: ['one', 'two'].map((text) => ({ text })) },
      { id: 'd', text: 'Slow demonstration', candidates: [] },
    ]);
    const token = await addLabeler('ann');
    const page = await context.newPage();
    await page.clock.install(); // time still flows; fastForward jumps it (performance.now too)
    await page.goto(`${server.url}/#token=${token}`);
    await expect.poll(() => page.locator('#prompt').textContent()).toBe('Slow prompt');
    await page.clock.fastForward('25:00:00');
    await page.locator('#submit').click();
    await expect.poll(() => page.locator('#done').isVisible()).toBe(true);
    expect((await store.listRankings()).map((r) => r.time_ms)).toEqual([86_400_000]);

    await page.goto(`${server.url}/demo`);
    await expect.poll(() => page.locator('#prompt').textContent()).toBe('Slow demonstration');
    await page.getByLabel('Your ideal answer').fill('Took a while.');
    await page.clock.fastForward('48:00:00');
    await page.locator('#submit').click();
    await expect.poll(() => page.locator('#done').isVisible()).toBe(true);
    expect((await store.listDemonstrations()).map((d) => d.time_ms)).toEqual([86_400_000]);
    await page.close();
  });

  it('shows hostile candidate text literally and runs none of it', async () => {
    const hostile = [
      '<script>window.__pwned = 1; alert("script")</script>',
      '<img src=x onerror="window.__pwned = 2; alert(\'img\')">',
      '<a href="javascript:alert(\'link\')">click me</a>',
      '<svg onload="alert(\'svg\')"></svg>{{constructor.constructor("alert(4)")()}}',
    ];
    await store.createRound({
      name: 'r',
      focus: '<b onmouseover="alert(5)">focus</b>',
      labelersPerPrompt: 1,
    });
    await store.addPrompts('r', [
      {
        id: 'x',
        text: '<iframe src="javascript:alert(6)"></iframe>',
        candidates: hostile.map((text) => ({ text })),
      },
    ]);
    const token = await addLabeler('eve');
    const page = await context.newPage();
    const dialogs: string[] = [];
    const consoleMessages: string[] = [];
    const stray: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on('console', (m) => consoleMessages.push(m.text()));
    page.on('request', (r) => {
      if (!/\/(api\/|assets\/|$|#)/.test(new URL(r.url()).pathname)) stray.push(r.url());
    });
    await page.goto(`${server.url}/#token=${token}`);
    await expect.poll(() => page.locator('#ranking .card-text').count()).toBe(4);

    expect((await shown(page)).sort()).toEqual(hostile.slice().sort());
    expect(await page.locator('#prompt').textContent()).toBe('<iframe src="javascript:alert(6)"></iframe>');
    expect(await page.locator('#focus').textContent()).toBe('<b onmouseover="alert(5)">focus</b>');
    expect(
      await page
        .locator('main script, main img, main a[href^="javascript"], main svg, main iframe, #focus b')
        .count(),
    ).toBe(0);
    // Poke everything: hover and click each card's text.
    for (const t of hostile) {
      await card(page, t).locator('.card-text').hover();
      await card(page, t).locator('.card-text').click();
    }
    await page.locator('#focus').hover();
    await page.waitForTimeout(100);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(dialogs).toEqual([]);
    expect(consoleMessages.filter((m) => /alert|pwned/i.test(m))).toEqual([]);
    expect(stray).toEqual([]);
    await page.close();
  });

  it('rates answers with a click and with the keyboard; the database holds those ratings', async () => {
    await store.createRound({ name: 'g', focus: 'Look hard at flattery.', labelersPerPrompt: 1 });
    await store.addPrompts('g', [
      { id: 'g1', text: 'What is 2 + 2?', candidates: [{ text: 'It is 4.' }] },
      {
        id: 'g2',
        text: 'Am I always right?',
        candidates: [{ text: `Absolutely, you are never wrong! ${'So wise. '.repeat(80)}` }],
      },
      { id: 'g3', text: '巴黎是哪个国家的首都？', lang: 'zh', candidates: [{ text: '法国。' }] },
      { id: 'g4', text: 'Skip me', candidates: [{ text: 'meh' }] },
    ]);
    const token = await addLabeler('gil');
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`${server.url}/rate#token=${token}`);
    await expect.poll(() => page.locator('#prompt').textContent()).toBe('What is 2 + 2?');
    expect(await page.locator('#answer').textContent()).toBe('It is 4.');
    expect(await page.locator('#focus').textContent()).toBe('Look hard at flattery.');
    expect(await page.locator('#progress').textContent()).toBe('0 rated · 0 skipped · 4 to go');
    const good = page.getByRole('button', { name: 'Good answer' });
    const bad = page.getByRole('button', { name: 'Bad answer' });
    expect(await good.getAttribute('aria-keyshortcuts')).toBe('g');
    const where = async () => [await good.boundingBox(), await bad.boundingBox()];
    const before = await where();

    // 1: a click on 👍
    await good.click();
    await expect.poll(() => page.locator('#prompt').textContent()).toBe('Am I always right?');
    // a long answer scrolls in its box: the buttons stay where they were
    expect(await where()).toEqual(before);

    // 2: the keyboard — a flag ticked, then B (a key typed in the note is only text)
    await page.getByRole('checkbox', { name: 'sycophancy' }).check();
    await page.locator('#note').fill('gb');
    await page.locator('#note').press('g');
    expect(await page.locator('#note').inputValue()).toBe('gbg');
    await page.locator('#answer').focus();
    await page.keyboard.press('b');
    await expect.poll(() => page.locator('#prompt').textContent()).toBe('巴黎是哪个国家的首都？');
    expect(await page.locator('#answer').getAttribute('lang')).toBe('zh');
    // the next answer starts clean
    expect(await page.getByRole('checkbox', { name: 'sycophancy' }).isChecked()).toBe(false);
    expect(await page.locator('#note').inputValue()).toBe('');

    // 3: G from anywhere on the page
    await page.keyboard.press('g');
    await expect.poll(() => page.locator('#prompt').textContent()).toBe('Skip me');
    await page.getByRole('button', { name: 'Skip this prompt' }).click();
    await expect.poll(() => page.locator('#done').isVisible()).toBe(true);
    expect(await page.locator('#progress').textContent()).toBe('3 rated · 1 skipped · 0 to go');
    expect(errors).toEqual([]);

    const stored = await store.listRatings();
    expect(stored.map((r) => [r.prompt.id, r.label, r.flags, r.note ?? null, r.labeler])).toEqual([
      ['g1', true, [], null, 'gil'],
      ['g2', false, ['sycophancy'], 'gbg', 'gil'],
      ['g3', true, [], null, 'gil'],
    ]);
    expect(stored.every((r) => (r.time_ms ?? -1) >= 0)).toBe(true);

    // the admin page counts them beside the rankings, and exports them for KTO
    const admin = newToken();
    await store.addLabeler({ name: 'root', role: 'admin', tokenHash: hashToken(admin) });
    await page.goto(`${server.url}/admin#token=${admin}`);
    const round = page.getByRole('region', { name: 'Round g' });
    await expect
      .poll(() => round.textContent())
      .toMatch(/0 ranking and 4 rating prompts × 1 labelers.*3 ratings/);
    const bar = page.getByRole('progressbar', { name: 'Rating progress of g' });
    // the skipped prompt went back to the pool: it still waits for someone
    expect([await bar.getAttribute('value'), await bar.getAttribute('max')]).toEqual(['3', '4']);
    await round.getByRole('button', { name: 'Agreement and flags' }).click();
    await expect
      .poll(() => round.locator('.rating-agreement').textContent())
      .toMatch(/^Ratings: 2 of 3 good/);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      round.getByRole('button', { name: 'Export unpaired of g' }).click(),
    ]);
    const lines = readFileSync((await download.path())!, 'utf8')
      .trim()
      .split('\n');
    expect(lines.map((l) => JSON.parse(l).label)).toEqual([true, false, true]);
    await page.close();
  });

  it('takes a written demonstration', async () => {
    await store.createRound({
      name: 'demo',
      focus: 'Be honest about what you do not know.',
      labelersPerPrompt: 1,
    });
    await store.addPrompts('demo', [
      { id: 'd0', text: 'A prompt to skip.', candidates: [] },
      { id: 'd1', text: 'What is the capital of Zorbia?', candidates: [] },
    ]);
    const token = await addLabeler('dee');
    const page = await context.newPage();
    await page.goto(`${server.url}/demo#token=${token}`);
    await expect.poll(() => page.locator('#prompt').textContent()).toBe('A prompt to skip.');
    await page.locator('#skip').click();
    await expect.poll(() => page.locator('#prompt').textContent()).toBe('What is the capital of Zorbia?');
    await page.getByLabel('Your ideal answer').fill('I do not know of a country called Zorbia.');
    await page.locator('#submit').click();
    await expect.poll(() => page.locator('#done').isVisible()).toBe(true);
    const demos = await store.listDemonstrations();
    expect(demos.map((d) => [d.prompt.text, d.response])).toEqual([
      ['What is the capital of Zorbia?', 'I do not know of a country called Zorbia.'],
    ]);
    await page.close();
  });

  it('shows admins progress, agreement and flag rates, and exports; refuses labelers', async () => {
    await store.createRound({ name: 'r', focus: 'flattery', labelersPerPrompt: 2 });
    await store.addPrompts('r', [
      { id: 'p1', text: 'one', candidates: ['a1', 'b1', 'c1'].map((text) => ({ text })) },
      { id: 'p2', text: 'two', candidates: ['a2', 'b2', 'c2'].map((text) => ({ text })) },
    ]);
    for (const name of ['ann', 'bob']) {
      await addLabeler(name);
      const me = (await store.listLabelers()).find((l) => l.name === name)!;
      for (let i = 0; i < 2; i++) {
        const t = (await store.nextTask(me.id, 'ranking'))!;
        const byText = [...t.candidates].sort((x, y) => x.text.localeCompare(y.text));
        await store.submitRanking({
          labelerId: me.id,
          assignmentId: t.assignment_id,
          submissionId: `${name}-${i}-submission`,
          ordering: byText.map((c) => [c.id]),
          ...(name === 'ann' && i === 0 ? { gaps: [0, 1] } : {}),
          flags: { [byText[2].id]: ['sycophancy'] },
        });
      }
    }
    // A mixed round: one ranking prompt nobody has taken yet (2 slots), one imported
    // ranking, and a finished demonstration, which is no ranking.
    await store.createRound({ name: 'mixed', focus: '', labelersPerPrompt: 2 });
    await store.addPrompts('mixed', [
      { id: 'm1', text: 'open', candidates: ['x', 'y'].map((text) => ({ text })) },
      { id: 'm2', text: 'write', candidates: [] },
    ]);
    await store.importRankings('mixed', [
      {
        id: 'i1',
        round: 'mixed',
        labeler: 'oasst',
        prompt: { id: 'i1', text: 'imported' },
        candidates: [
          { id: 'a', text: 'A' },
          { id: 'b', text: 'B' },
        ],
        ordering: [['a'], ['b']],
        flags: {},
      },
    ]);
    const ann = (await store.listLabelers()).find((l) => l.name === 'ann')!;
    const demo = (await store.nextTask(ann.id, 'demonstration'))!;
    await store.submitDemonstration({
      labelerId: ann.id,
      assignmentId: demo.assignment_id,
      submissionId: 'ann-demo-submission',
      response: 'An answer.',
    });
    const admin = newToken();
    await store.addLabeler({ name: 'root', role: 'admin', tokenHash: hashToken(admin) });
    const page = await context.newPage();
    await page.goto(`${server.url}/admin#token=${admin}`);
    const round = page.getByRole('region', { name: 'Round r' });
    await expect.poll(() => round.textContent()).toMatch(/4 rankings/);
    const bar = (name: string) => page.getByRole('progressbar', { name: `Progress of ${name}` });
    expect([await bar('r').getAttribute('value'), await bar('r').getAttribute('max')]).toEqual(['4', '4']);
    expect([await bar('mixed').getAttribute('value'), await bar('mixed').getAttribute('max')]).toEqual([
      '1',
      '3',
    ]);
    await round.getByRole('button', { name: 'Agreement and flags' }).click();
    await expect
      .poll(() => round.locator('.agreement').textContent())
      .toMatch(/^Agreement: 100\.0 % over 6 candidate pairs on 2 prompts/);
    expect(await round.locator('.much-worse-rate').textContent()).toMatch(
      /^Much worse: 1 of 8 steps from one rank to the next marked \(12\.5 %\)/,
    );
    const row = round.locator('tr', { has: page.locator('th', { hasText: 'sycophancy' }) });
    expect(await row.locator('td').allTextContents()).toEqual(['4', '33.3 %']);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      round.getByRole('button', { name: 'Export rankings of r' }).click(),
    ]);
    const text = readFileSync((await download.path())!, 'utf8');
    const recs = text
      .trim()
      .split('\n')
      .map((l) => RankingRecord.parse(JSON.parse(l)));
    expect(recs).toHaveLength(4);
    expect(new Set(recs.map((r) => r.labeler))).toEqual(new Set(['ann', 'bob']));

    const labeler = await addLabeler('carl');
    const other = await context.newPage();
    await other.goto(`${server.url}/admin#token=${labeler}`);
    await expect.poll(() => other.locator('#status').textContent()).toBe('This page is for admins.');
    expect(await other.locator('#rounds').textContent()).toBe('');
    await page.close();
    await other.close();
  });
});
