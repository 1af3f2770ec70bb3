import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HfTokenizer } from './hf.js';
import { gpt2TokenizerJson, llamaTokenizerJson } from './hf-fixture.js';

describe('HfTokenizer', () => {
  it('wraps a GPT-2 byte-level BPE: merges, round trip, EOS, no BOS', () => {
    const tok = new HfTokenizer(gpt2TokenizerJson(), { eos_token: '<|endoftext|>' });
    const ids = tok.encode('hello the world');
    expect(ids.map((i) => tok.piece(i)).slice(0, 3)).toEqual(['he', 'llo', 'Ġthe']);
    for (const s of ['hello the world', ' leading', 'ünïcödé 今天 🎉\n\ttab'])
      expect(tok.decode(tok.encode(s))).toBe(s);
    expect(tok.bosId).toBeNull();
    expect(tok.eosId).toBe(261);
    expect(tok.vocabSize).toBe(262);
    expect(tok.addsDummyPrefix).toBe(false);
  });

  it('encodes text that spells a special token as plain text', () => {
    const tok = new HfTokenizer(gpt2TokenizerJson(), {});
    const ids = tok.encode('a<|endoftext|>b');
    expect(ids).not.toContain(261);
    expect(tok.decode(ids)).toBe('a<|endoftext|>b');
    expect(tok.decode([...tok.encode('a'), 261], { skipSpecial: false })).toBe('a<|endoftext|>');
    expect(tok.decode([...tok.encode('a'), 261])).toBe('a');
  });

  it('wraps a Llama-style tokenizer: BOS from the post-processor, dummy prefix, byte fallback', () => {
    const tok = new HfTokenizer(llamaTokenizerJson(), { bos_token: '<s>', eos_token: '</s>' });
    expect(tok.bosId).toBe(1);
    expect(tok.eosId).toBe(2);
    expect(tok.addsDummyPrefix).toBe(true);
    const ids = tok.encode('hi there!');
    expect(tok.piece(ids[0])).toBe('▁hi');
    expect(tok.decode([1, ...ids])).toBe('hi there!');
  });

  it('loads from a file with its config, and names bad files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rein-hf-'));
    writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(llamaTokenizerJson()));
    writeFileSync(
      join(dir, 'tokenizer_config.json'),
      JSON.stringify({ bos_token: '<s>', eos_token: '</s>' }),
    );
    const tok = HfTokenizer.load(join(dir, 'tokenizer.json'));
    expect(tok.eosId).toBe(2);
    expect(tok.files().map((f) => f.name)).toEqual(['tokenizer.json', 'tokenizer_config.json']);
    expect(tok.chatTemplate).toBeNull();
    // a chat_template.jinja beside them is the template (saved back inside tokenizer_config.json)
    writeFileSync(join(dir, 'chat_template.jinja'), "{{ messages[0]['content'] }}");
    const templated = HfTokenizer.load(join(dir, 'tokenizer.json'));
    expect(templated.chatTemplate).toBe("{{ messages[0]['content'] }}");
    const saved = JSON.parse(String(templated.files().find((f) => f.name === 'tokenizer_config.json')!.data));
    expect(saved.chat_template).toBe("{{ messages[0]['content'] }}");
    writeFileSync(join(dir, 'bad.json'), '{"model": ');
    expect(() => HfTokenizer.load(join(dir, 'bad.json'))).toThrow(/bad\.json: not valid JSON/);
    writeFileSync(join(dir, 'other.json'), '{"type": "rein-bpe"}');
    expect(() => HfTokenizer.load(join(dir, 'other.json'))).toThrow(
      /other\.json: not a Hugging Face tokenizer/,
    );
  });
});
