// Drives the web console in headless Chromium, three pages side by side:
// an operator (the pasted operator token: every user's messages, the live
// event feed over fetch()), user A (register, log in, deposit, order, own
// balance, orders and messages) and user B (a wrong password first, then
// their own view, which must not show A's data: A's user id is forbidden,
// A's order not found). Then sign-out, and the 429 after five failed logins.
// Every request is recorded: bearer tokens in the Authorization header only
// (no cookie, no storage), JSON bodies as application/json. Waits for
// conditions, never for a fixed time; saves a screenshot of the operator
// view.
// Usage: CONSOLE_TEST_OPERATOR_TOKEN=... node console.test.js <url> <chromium> <screenshot>
"use strict";
const { chromium } = require("playwright-core");

const [url, executablePath, screenshot] = process.argv.slice(2);
const operatorToken = process.env.CONSOLE_TEST_OPERATOR_TOKEN || "";
const timeout = 15000;
const password = "correct horse battery staple";
const stamp = `${Date.now()}-${process.pid}`;

// Endpoints that need credentials: a user's (or the operator acting for one)
// and the operator's own.
const ownerPaths = ["/getUserInfo", "/createAccount", "/myBalance", "/deposit",
                    "/createOrder", "/getOrder", "/getAllSentMessages"];
const operatorPaths = ["/events", "/metrics", "/cluster"];
const bearer = /^Bearer [A-Za-z0-9._~+/-]+=*$/;

class Failure extends Error {}
function check(cond, message) {
  if (!cond) throw new Failure(message);
}

let current = "start";
let closing = false;
function step(name) {
  current = name;
  console.log("browser test: " + name);
}

/// A page in its own browser context, with everything it sends recorded.
async function open(browser, name) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 820 } });
  const page = await context.newPage();
  const rec = { name, context, page, errors: [], pending: [], requests: [],
                messageLists: [], phase: "signed-out" };
  page.on("pageerror", (e) => rec.errors.push(String(e)));
  page.on("request", (r) => {
    const phase = rec.phase;
    const u = new URL(r.url());
    if (u.origin !== new URL(url).origin) return;
    // A page that keeps polling may start a request while the browser closes: its headers
    // can no longer be read then, which is no finding; before that, it is one.
    rec.pending.push(r.allHeaders().then((headers) => {
      rec.requests.push({ method: r.method(), path: u.pathname, query: u.search, headers,
                          body: r.postData(), phase });
    }, (e) => { if (!closing) rec.errors.push(`headers of ${u.pathname}: ${e}`); }));
  });
  page.on("response", (r) => {
    const u = new URL(r.url());
    if (u.pathname === "/getAllSentMessages" && r.ok())
      rec.pending.push(r.json().then((list) => rec.messageLists.push(list), () => {}));
  });
  await page.goto(url);
  await page.waitForSelector("#catalog tr[data-item='3']", { timeout });
  check(await page.getAttribute("body", "data-role") === "none", `${name}: not signed out at first`);
  return rec;
}

const visible = (page, sel) => page.locator(sel).first().waitFor({ timeout });
const attached = (page, sel) => page.locator(sel).first().waitFor({ state: "attached", timeout });

/// Submits a form by its button and waits for the answer of `path`.
async function submit(page, button, path) {
  const answer = page.waitForResponse((r) => new URL(r.url()).pathname === path, { timeout });
  await page.click(button);
  return answer;
}

async function register(rec, email, name) {
  const { page } = rec;
  await page.fill("#reg-email", email);
  await page.fill("#reg-name", name);
  await page.fill("#reg-password", password);
  const res = await submit(page, "#register", "/register");
  check(res.status() === 201, `${rec.name}: register answered ${res.status()}`);
  await visible(page, "#info:has-text('Registered as user')");
  const id = /Registered as user (\d+)/.exec(await page.textContent("#info"))[1];
  check(await page.inputValue("#reg-password") === "", `${rec.name}: the password stays in the form`);
  check(await page.getAttribute("body", "data-role") === "none", `${rec.name}: registering signed in`);
  return id;
}

async function login(rec, email, pass, expectStatus) {
  const { page } = rec;
  await page.fill("#login-email", email);
  await page.fill("#login-password", pass);
  if (expectStatus === 200) rec.phase = "signed-in";
  const res = await submit(page, "#login", "/login");
  check(res.status() === expectStatus, `${rec.name}: login answered ${res.status()}, not ${expectStatus}`);
  if (expectStatus === 200) {
    await visible(page, "body[data-role='user']");
    await visible(page, `#me .email:text-is('${email}')`);
  }
}

async function signOut(rec) {
  const { page } = rec;
  await page.click("#sign-out");
  await visible(page, "body[data-role='none']");
  rec.phase = "signed-out";
  await visible(page, "#who:text-is('signed out')");
  await visible(page, "#info:has-text('Signed out')");
  check(await page.locator("#messages li, #orders tr, #users tr, #events li").count() === 0,
        `${rec.name}: data still shown after sign-out`);
  check(await page.textContent("#me .email") === "", `${rec.name}: own record still shown after sign-out`);
}

/// The error banner shows `status code`, and says so in its text.
async function expectError(page, status, code) {
  await visible(page, `#error[data-status='${status}'][data-code='${code}']`);
  const text = await page.textContent("#error");
  check(text.includes(`${status} ${code}`), `error banner lacks "${status} ${code}": ${text}`);
  return text;
}

async function deposit(page, sum, balance) {
  await page.fill("#dep-sum", sum);
  const res = await submit(page, "#deposit", "/deposit");
  check(res.status() === 200, `deposit answered ${res.status()}`);
  await visible(page, `#me .balance:text-is('${balance}')`);
}

/// Orders and waits until the order shows its outcome; returns its id.
async function order(page, item, quantity, outcome) {
  await page.selectOption("#ord-item", String(item));
  await page.fill("#ord-qty", String(quantity));
  const res = await submit(page, "#order", "/createOrder");
  check(res.status() === 201, `createOrder answered ${res.status()}`);
  const id = String((await res.json()).orderId);
  await visible(page, `#orders tr[data-order='${id}'] .status:text-is('${outcome}')`);
  return id;
}

/// The message list as shown: [{user, order, text}].
async function shownMessages(page) {
  return page.$$eval("#messages li", (lis) => lis.map((li) =>
    ({ user: li.dataset.user, order: li.dataset.order, text: li.textContent })));
}

/// Clicks Refresh and waits until the message list was rendered anew.
async function refreshMessages(page) {
  const before = Number(await page.getAttribute("#messages", "data-version") || 0);
  await page.click("#refresh");
  await page.waitForFunction((v) => Number(document.getElementById("messages").dataset.version || 0) > v,
                             before, { timeout });
}

/// No token outside the Authorization header: no cookies, nothing in
/// storage, not in the page.
async function checkTokenKept(rec, tokens) {
  const cookies = await rec.context.cookies();
  check(cookies.length === 0, `${rec.name}: cookies set: ${JSON.stringify(cookies)}`);
  const found = await rec.page.evaluate((ts) => {
    const stored = JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie;
    const html = document.documentElement.outerHTML;
    return ts.filter((t) => stored.includes(t) || html.includes(t)).length;
  }, tokens);
  check(found === 0, `${rec.name}: a token is in storage, a cookie or the page`);
}

/// What a page sent: credentials exactly where they belong.
function checkRequests(rec, expectToken) {
  const tokens = new Set();
  for (const r of rec.requests) {
    const what = `${rec.name}: ${r.method} ${r.path}${r.query} (${r.phase})`;
    const auth = r.headers.authorization;
    check(!r.headers.cookie, `${what} sent a cookie`);
    if (r.method === "POST" && r.body)
      check((r.headers["content-type"] || "").startsWith("application/json"),
            `${what} sent its body as ${r.headers["content-type"]}`);
    if (r.phase === "signed-out") {
      check(!auth || r.path === "/cluster", `${what} sent Authorization while signed out`);
      continue;
    }
    if (ownerPaths.includes(r.path) || operatorPaths.includes(r.path))
      check(auth && bearer.test(auth), `${what} without a bearer token: ${auth}`);
    if (auth) tokens.add(auth.slice("Bearer ".length));
  }
  if (expectToken) check(tokens.size === 1 && tokens.has(expectToken),
                         `${rec.name}: sent other tokens than the operator's`);
  return tokens;
}

(async () => {
  check(/^[0-9a-f]{64}$/.test(operatorToken), "CONSOLE_TEST_OPERATOR_TOKEN is not 64 hex digits");
  const browser = await chromium.launch({
    executablePath, headless: true, args: ["--headless", "--no-sandbox"] });
  const pages = [];
  try {
    // -- the operator view, first, so its feed sees what follows ----------------
    step("operator: a wrong token is refused, the right one opens the view");
    const op = await open(browser, "operator");
    pages.push(op);
    await op.page.fill("#op-token", "0".repeat(64));
    await submit(op.page, "#operator-open", "/cluster");
    await expectError(op.page, 401, "unauthorized");
    check(await op.page.getAttribute("body", "data-role") === "none", "operator view opened with a wrong token");
    await op.page.fill("#op-token", operatorToken);
    op.phase = "signed-in";
    await op.page.click("#operator-open");
    await visible(op.page, "body[data-role='operator']");
    await visible(op.page, "#who:text-is('operator')");
    check(await op.page.inputValue("#op-token") === "", "the operator token stays in the form");
    await visible(op.page, "#stream-state:text-is('live')");
    await visible(op.page, "#health.ready");
    await visible(op.page, "#cluster tr[data-service='users']");
    await attached(op.page, "#error:empty");

    // -- user A ---------------------------------------------------------------------
    step("user A registers and logs in");
    const a = await open(browser, "user A");
    pages.push(a);
    const emailA = `ann-${stamp}@example.com`;
    const idA = await register(a, emailA, "Ann");
    check(await a.page.inputValue("#login-email") === emailA, "register did not fill in the login email");
    await login(a, emailA, password, 200);
    check(await a.page.getAttribute("#me", "data-user") === idA, "A's view shows another user id");
    await visible(a.page, "#me .name:text-is('Ann')");
    await attached(a.page, "#messages[data-state='loaded']");
    check(await a.page.locator("#messages li").count() === 0, "A has messages before ordering");

    step("operator: the live feed shows A's registration");
    await attached(op.page, `#events li.event-USER_CREATED[data-user='${idA}']`);
    await visible(op.page, `#users tr[data-user='${idA}'] .email:text-is('${emailA}')`);

    step("user A: account, deposit, a paid and a rejected order, balance and messages");
    const account = await submit(a.page, "#create-account", "/createAccount");
    check(account.status() === 200, `createAccount answered ${account.status()} (registration opens one)`);
    await visible(a.page, "#info:has-text('has an account already')");
    await deposit(a.page, "500", "500");
    const paidA = await order(a.page, 3, 2, "paid");            // 2 books, 50
    await visible(a.page, "#me .balance:text-is('450')");
    await visible(a.page, `#messages li[data-order='${paidA}']:has-text('is paid')`);
    const rejectedA = await order(a.page, 1, 1, "rejected");    // a laptop, 1500
    await visible(a.page, `#messages li[data-order='${rejectedA}']:has-text('rejected')`);
    await visible(a.page, "#me .balance:text-is('450')");

    step("operator: A's order in the live feed, orders, balances and messages");
    await attached(op.page, `#events li.event-ORDER_CREATED[data-order='${paidA}']`);
    await attached(op.page, `#events li.event-ORDER_PROCESSED[data-order='${paidA}']`);
    await attached(op.page, `#events li.event-ORDER_PROCESSED[data-order='${rejectedA}']`);
    await visible(op.page, `#orders tr[data-order='${paidA}'] .status:text-is('paid')`);
    await visible(op.page, `#users tr[data-user='${idA}'] .balance:text-is('450')`);
    await visible(op.page, `#messages li[data-order='${paidA}']`);

    // -- user B -----------------------------------------------------------------------
    step("user B registers; a wrong password shows invalid_credentials; then logs in");
    const b = await open(browser, "user B");
    pages.push(b);
    const emailB = `bob-${stamp}@example.com`;
    const idB = await register(b, emailB, "Bob");
    check(idB !== idA, "A and B got the same user id");
    await login(b, emailB, "not the password", 401);
    await expectError(b.page, 401, "invalid_credentials");
    check(await b.page.getAttribute("body", "data-role") === "none", "a wrong password signed in");
    await login(b, emailB, password, 200);
    await attached(b.page, "#error:empty");
    check(await b.page.getAttribute("#me", "data-user") === idB, "B's view shows another user id");
    await attached(b.page, "#messages[data-state='loaded']");
    check(await b.page.locator("#messages li").count() === 0, "B sees messages before ordering");

    step("operator: the live feed shows B's registration");
    await attached(op.page, `#events li.event-USER_CREATED[data-user='${idB}']`);

    step("user B orders and sees only their own data");
    await deposit(b.page, "100", "100");
    const paidB = await order(b.page, 3, 1, "paid");
    await visible(b.page, `#messages li[data-order='${paidB}']`);
    await visible(b.page, "#me .balance:text-is('75')");
    await refreshMessages(b.page);
    for (const m of await shownMessages(b.page))
      check(m.user === idB && m.order !== paidA && m.order !== rejectedA && !m.text.includes(emailA),
            `B's messages show someone else's: ${JSON.stringify(m)}`);
    check(await b.page.locator(`#orders tr[data-user='${idA}']`).count() === 0, "B's orders show A's");

    step("user B: own user id shown, A's user id is forbidden, A's order not found");
    await b.page.fill("#look-user", idB);
    await submit(b.page, "#lookup-user", "/getUserInfo");
    await visible(b.page, `#lookup-result:has-text('${emailB}')`);
    await b.page.fill("#look-user", idA);
    const forbidden = await submit(b.page, "#lookup-user", "/getUserInfo");
    check(forbidden.status() === 403, `A's user id answered B with ${forbidden.status()}`);
    await expectError(b.page, 403, "forbidden");
    check(await b.page.textContent("#lookup-result") === "", "B's lookup shows something of A");
    await b.page.fill("#look-order", paidA);
    await submit(b.page, "#lookup-order", "/getOrder");
    await expectError(b.page, 404, "order_not_found");
    check(await b.page.locator(`#orders tr[data-order='${paidA}']`).count() === 0, "B's orders show A's order");
    check(!(await b.page.textContent("body")).includes(emailA), "B's page shows A's email");

    step("user A: still only A's messages after B's order");
    await refreshMessages(a.page);
    const shownA = await shownMessages(a.page);
    check(shownA.length === 2 && shownA.every((m) => m.user === idA && !m.text.includes(emailB)),
          `A's messages: ${JSON.stringify(shownA)}`);

    step("operator: every user's messages and B's order in the feed");
    await attached(op.page, `#events li.event-ORDER_PROCESSED[data-order='${paidB}']`);
    await visible(op.page, `#messages li[data-user='${idA}'][data-order='${paidA}']`);
    await visible(op.page, `#messages li[data-user='${idB}'][data-order='${paidB}']`);
    await visible(op.page, `#users tr[data-user='${idB}'] .balance:text-is('75')`);
    await op.page.waitForFunction(() => Number(document.getElementById("kpi-paid").textContent) >= 2,
                                  null, { timeout });

    // -- signing out, the throttle ------------------------------------------------------
    step("user B signs out; five wrong passwords, then 429 with Retry-After");
    await Promise.all(b.pending);
    const tokensB = checkRequests(b);
    await checkTokenKept(b, [...tokensB]);
    await signOut(b);
    const emailC = `cy-${stamp}@example.com`;
    await register(b, emailC, "Cy");
    for (let i = 1; i <= 5; ++i) {
      await login(b, emailC, `wrong password ${i}`, 401);
      await expectError(b.page, 401, "invalid_credentials");
    }
    await login(b, emailC, "wrong password 6", 429);
    const throttled = await expectError(b.page, 429, "too_many_attempts");
    check(/Retry-After: \d+ s/.test(throttled), `the 429 does not say when to retry: ${throttled}`);

    step("user A signs out");
    await Promise.all(a.pending);
    const tokensA = checkRequests(a);
    await checkTokenKept(a, [...tokensA]);
    await signOut(a);

    step("what the pages sent");
    for (const rec of pages) await Promise.all(rec.pending);
    checkRequests(op, operatorToken);
    const sentA = checkRequests(a), sentB = checkRequests(b);
    check(sentA.size === 1 && sentB.size === 1, "a user page sent more than one token");
    check(![...sentA].some((t) => sentB.has(t) || t === operatorToken), "A and B share a token");
    await checkTokenKept(op, [operatorToken]);
    for (const [rec, id] of [[a, idA], [b, idB]])
      for (const list of rec.messageLists)
        for (const m of list)
          check(String(m.userId) === id, `${rec.name} received user ${m.userId}'s message`);
    const allUsers = new Set(op.messageLists.flat().map((m) => String(m.userId)));
    check(allUsers.has(idA) && allUsers.has(idB), "the operator did not receive every user's messages");
    for (const rec of pages)
      check(rec.errors.length === 0, `errors in ${rec.name}'s page: ${rec.errors.join("; ")}`);

    await op.page.screenshot({ path: screenshot });
    console.log(`browser test: passed (users ${idA}, ${idB}; orders ${paidA}, ${rejectedA}, ${paidB}); screenshot ${screenshot}`);
  } catch (e) {
    console.error(`browser test: FAILED at "${current}": ` + (e instanceof Failure ? e.message : e.stack || String(e)));
    for (const rec of pages) {
      const banner = await rec.page.textContent("#error").catch(() => "?");
      if (banner) console.error(`  ${rec.name}'s error banner: ${banner}`);
    }
    process.exitCode = 1;
  } finally {
    closing = true;
    await browser.close();
  }
})();
