/**
 * The pages' HTML shells. They are static (no data is ever interpolated into markup);
 * each loads one module script from /assets, which fills the page through the DOM.
 */
function shell(title: string, script: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · rein</title>
<link rel="stylesheet" href="/assets/style.css">
<script type="module" src="/assets/${script}.js"></script>
</head>
<body>
<a class="skip-link" href="#main">Skip to content</a>
<header class="top">
  <strong class="brand">rein</strong>
  <nav aria-label="Pages"><a href="/">Rank</a> <a href="/rate">Rate</a> <a href="/demo">Write</a> <a href="/admin" id="admin-link">Admin</a></nav>
  <span id="progress" class="progress" aria-live="polite"></span>
  <span id="who" class="who"></span>
  <button type="button" id="logout" hidden>Sign out</button>
</header>
<main id="main">
<form id="login" class="login" hidden>
  <h1>Sign in</h1>
  <label for="login-token">Your token</label>
  <input id="login-token" name="token" type="password" autocomplete="off" required>
  <button type="submit">Sign in</button>
  <p id="login-error" class="error" role="alert"></p>
</form>
<div id="app" hidden>
${body}
</div>
<p id="status" class="status" role="status" aria-live="polite"></p>
</main>
</body>
</html>
`;
}

export const LABELER_HTML = shell(
  'Rank answers',
  'labeler',
  `<section id="task" hidden aria-labelledby="task-title">
  <h1 id="task-title">Rank the answers <span class="round">round <span id="round-name"></span></span></h1>
  <div class="focus-box" role="note" aria-label="Focus for this round"><h2>Look hard at</h2><p id="focus"></p></div>
  <h2>Prompt</h2>
  <div id="prompt" class="prompt"></div>
  <h2>Answers, best first</h2>
  <p id="rank-help" class="help">Drag a card by its header, or focus a card and press ↑/↓ to move it,
  1–9 to put it at that position, Home/End for top/bottom, T to tie it with the card above, and M
  to mark it much worse than the card above (not just a little). Tick any problems you see in an answer.</p>
  <div id="ranking-slot"></div>
  <label for="note">Note (optional)</label>
  <textarea id="note" rows="3" maxlength="4000"></textarea>
  <div class="actions">
    <button type="button" id="submit" class="primary">Submit ranking</button>
    <button type="button" id="skip">Skip this prompt</button>
  </div>
</section>
<section id="done" hidden><h1>All done</h1><p>There are no more prompts for you to rank. Thank you!</p></section>
<div id="announcer" class="sr-only" aria-live="assertive"></div>`,
);

/**
 * One answer judged on its own: thumbs up or down (G / B from anywhere but the note), problems
 * ticked, a note. The boxes hold their size whatever the answer, so nothing moves under the
 * pointer between tasks.
 */
export const RATE_HTML = shell(
  'Rate an answer',
  'rate',
  `<section id="task" hidden aria-labelledby="task-title">
  <h1 id="task-title">Is this answer good? <span class="round">round <span id="round-name"></span></span></h1>
  <div class="focus-box" role="note" aria-label="Focus for this round"><h2>Look hard at</h2><p id="focus"></p></div>
  <h2>Prompt</h2>
  <div id="prompt" class="prompt"></div>
  <h2>Answer</h2>
  <div id="answer" class="prompt answer" tabindex="0" aria-label="The answer to rate"></div>
  <fieldset id="flags" class="flags"><legend>Problems in the answer</legend></fieldset>
  <label for="note">Note (optional)</label>
  <textarea id="note" rows="2" maxlength="4000"></textarea>
  <p id="rate-help" class="help">Press G for a good answer or B for a bad one (anywhere but the note).
  Tick any problems first: they are sent with the thumb.</p>
  <div class="actions">
    <button type="button" id="good" class="thumb" aria-keyshortcuts="g" aria-describedby="rate-help"><span aria-hidden="true">👍</span> Good answer</button>
    <button type="button" id="bad" class="thumb" aria-keyshortcuts="b" aria-describedby="rate-help"><span aria-hidden="true">👎</span> Bad answer</button>
    <button type="button" id="skip">Skip this prompt</button>
  </div>
</section>
<section id="done" hidden><h1>All done</h1><p>There are no more answers for you to rate. Thank you!</p></section>
<div id="announcer" class="sr-only" aria-live="assertive"></div>`,
);

export const DEMO_HTML = shell(
  'Write an answer',
  'demo',
  `<section id="task" hidden aria-labelledby="task-title">
  <h1 id="task-title">Write the ideal answer <span class="round">round <span id="round-name"></span></span></h1>
  <div class="focus-box" role="note" aria-label="Focus for this round"><h2>Keep in mind</h2><p id="focus"></p></div>
  <h2>Prompt</h2>
  <div id="prompt" class="prompt"></div>
  <label for="answer">Your ideal answer</label>
  <textarea id="answer" rows="12" maxlength="20000" aria-describedby="count"></textarea>
  <p id="count" class="help"></p>
  <div class="actions">
    <button type="button" id="submit" class="primary">Submit answer</button>
    <button type="button" id="skip">Skip this prompt</button>
  </div>
</section>
<section id="done" hidden><h1>All done</h1><p>There are no more prompts to write answers for. Thank you!</p></section>`,
);

export const ADMIN_HTML = shell(
  'Admin',
  'admin',
  `<h1>Rounds</h1>
<div class="row"><span>All rounds:</span><div id="all-exports"></div></div>
<div id="rounds"></div>`,
);
