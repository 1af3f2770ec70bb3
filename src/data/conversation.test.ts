import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readBinaryFeedback } from './binary-feedback.js';
import { Exchange, PromptField, ReplyField } from './conversation.js';
import { readDemonstrations } from './demo-file.js';
import { pairLineSchema, readPairs } from './ranking.js';

const dir = mkdtempSync(join(tmpdir(), 'rein-conversation-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function write(name: string, rows: unknown[]): string {
  const file = join(dir, name);
  writeFileSync(file, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
  return file;
}

const user = (content: string) => ({ role: 'user', content });
const assistant = (content: string) => ({ role: 'assistant', content });

describe('conversation fields', () => {
  it('reads a prompt as a string, a lone user message as itself, and a history as paragraphs', () => {
    expect(PromptField.parse('Hi?')).toBe('Hi?');
    expect(PromptField.parse([user('Hi?')])).toBe('Hi?');
    expect(
      PromptField.parse([
        { role: 'system', content: 'Be brief.' },
        user('2+2?'),
        assistant('4.'),
        user('And 3+3?'),
      ]),
    ).toBe('System: Be brief.\n\nUser: 2+2?\n\nAssistant: 4.\n\nUser: And 3+3?');
  });

  it('reads a reply as a string or one assistant message, and names what else it got', () => {
    expect(ReplyField.parse('Hello.')).toBe('Hello.');
    expect(ReplyField.parse([{ ...assistant('Hello.'), name: 'bot' }])).toBe('Hello.');
    expect(() => ReplyField.parse([user('Hello.')])).toThrow(/one assistant message/);
    expect(() => ReplyField.parse([assistant('a'), assistant('b')])).toThrow(/one assistant message/);
    expect(() => ReplyField.parse(3)).toThrow(/a string or a list of \{role, content\} messages, got number/);
    expect(() => ReplyField.parse([])).toThrow(/at least one message/);
  });

  it('splits a conversation at its last message, which must be a reply', () => {
    expect(Exchange.parse([user('Hi?'), assistant('Hello.')])).toEqual({ prompt: 'Hi?', reply: 'Hello.' });
    expect(() => Exchange.parse([user('Hi?')])).toThrow(/the user's, not a reply/);
    expect(() => Exchange.parse([assistant('Hello.')])).toThrow(/needs a message before it/);
    const chosen = [user('Hi?'), assistant('Hello.')];
    const pair = (rejected: unknown[]) => pairLineSchema({ chosen, rejected }).parse({ chosen, rejected });
    expect(pair([user('Hi?'), assistant('Go away.')])).toEqual({
      prompt: 'Hi?',
      chosen: 'Hello.',
      rejected: 'Go away.',
    });
    expect(() => pair([user('Hey?'), assistant('Go away.')])).toThrow(/differ before/);
  });
});

describe("TRL's record shapes in rein's readers", () => {
  it("reads SFT's prompt-completion and conversational records as demonstrations", () => {
    const pc = write('pc.jsonl', [
      { prompt: 'Hi?', completion: 'Hello.' },
      { prompt: [user('2+2?')], completion: [assistant('4.')] },
    ]);
    expect(readDemonstrations(pc)).toEqual({
      format: 'prompt-completion',
      demos: [
        { prompt: 'Hi?', response: 'Hello.' },
        { prompt: '2+2?', response: '4.' },
      ],
    });
    const chat = write('messages.jsonl', [
      { messages: [user('Hi?'), assistant('Hello.')] },
      { messages: [user('2+2?'), assistant('4.'), user('And 3+3?'), assistant('6.')] },
    ]);
    expect(readDemonstrations(chat)).toEqual({
      format: 'messages',
      demos: [
        { prompt: 'Hi?', response: 'Hello.' },
        { prompt: 'User: 2+2?\n\nAssistant: 4.\n\nUser: And 3+3?', response: '6.' },
      ],
    });
  });

  it('names the file, line and field of a bad message', () => {
    const bad = write('bad.jsonl', [
      { messages: [user('Hi?'), assistant('Hello.')] },
      { messages: [user('Hi?'), { role: 'bot', content: 'Hello.' }] },
    ]);
    expect(() => readDemonstrations(bad)).toThrow(
      /bad\.jsonl:2: field 'messages\.1\.role': .*"system"\|"user"\|"assistant"/,
    );
    const noReply = write('no-reply.jsonl', [{ messages: [user('Hi?')] }]);
    expect(() => readDemonstrations(noReply)).toThrow(
      /no-reply\.jsonl:1: field 'messages': the last message is the user's/,
    );
  });

  it("reads a pair's margin (TRL's margin column) in every pair shape, and names a bad one", () => {
    const file = write('margins.jsonl', [
      { prompt: 'Hi?', chosen: 'Hello.', rejected: 'Go away.', margin: 1.5 },
      { prompt: [user('Hi?')], chosen: [assistant('Hello.')], rejected: [assistant('No.')], margin: -0.25 },
      { chosen: [user('Hi?'), assistant('Hello.')], rejected: [user('Hi?'), assistant('No.')], margin: 2 },
      { prompt: 'Hi?', chosen: 'Hello.', rejected: 'No.' },
    ]);
    expect(readPairs(file).map((p) => p.margin)).toEqual([1.5, -0.25, 2, undefined]);
    expect('margin' in readPairs(file)[3]).toBe(false);
    const bad = write('bad-margin.jsonl', [
      { prompt: 'Hi?', chosen: 'Hello.', rejected: 'No.' },
      { prompt: 'Hi?', chosen: 'Hello.', rejected: 'No.', margin: 'big' },
    ]);
    expect(() => readPairs(bad)).toThrow(/bad-margin\.jsonl:2: field 'margin'/);
  });

  it("reads KTO's conversational unpaired records", () => {
    const file = write('unpaired.jsonl', [
      { prompt: [user('Hi?')], completion: [assistant('Hello.')], label: true },
      { prompt: 'Hi?', completion: 'Go away.', label: false },
    ]);
    expect(readBinaryFeedback(file)).toEqual([
      { prompt: 'Hi?', completion: 'Hello.', label: true },
      { prompt: 'Hi?', completion: 'Go away.', label: false },
    ]);
  });
});
