/**
 * A verifiable reward for `rein grpo --reward` / `rein rloo --reward`: prompts whose line carries the
 * right answer in an "answer" field (the assistant world's fact and sum prompts do) score 1 when the
 * response states that answer and no other value, 0 otherwise; prompts without one score 0.
 *
 * For a sum, the last number in the response must be the answer and every other one an operand or
 * the answer — so listing several candidates earns nothing. For a word answer (a capital, a colour),
 * the response must contain it.
 */
export default function statesTheAnswer(prompts, responses, records) {
  return responses.map((response, i) => {
    const line = records[i];
    if (line.answer === undefined) return 0;
    const answer = String(line.answer).toLowerCase();
    const text = response.toLowerCase();
    if (/^-?\d+$/.test(answer)) {
      const allowed = new Set([answer, ...(line.operands ?? []).map(String)]);
      const numbers = text.match(/-?\d+/g) ?? [];
      return numbers.at(-1) === answer && numbers.every((n) => allowed.has(n)) ? 1 : 0;
    }
    return text.includes(answer) ? 1 : 0;
  });
}
