// Drives the web console in headless Chromium: registers a user, deposits,
// orders a book, and waits (without reloading) until the order shows as
// paid and ORDER_PROCESSED appears in the live event stream; saves a
// screenshot. Usage: node console.test.js <url> <chromium> <screenshot>
"use strict";
const { chromium } = require("playwright-core");

const [url, executablePath, screenshot] = process.argv.slice(2);
const timeout = 15000;

function fail(message) {
  console.error("browser test: " + message);
  process.exitCode = 1;
}

(async () => {
  const browser = await chromium.launch({
    executablePath, headless: true, args: ["--headless", "--no-sandbox"]});
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(url);
    await page.waitForSelector("#stream-state:text('live')", { timeout });
    await page.waitForSelector("#ord-item option", { state: "attached", timeout });
    // Register.
    await page.fill("#reg-email", `ann-${Date.now()}@example.com`);
    await page.fill("#reg-name", "Ann");
    await page.click("#register");
    const row = page.locator("#users tr").first();
    await row.waitFor({ timeout });
    const userId = await row.getAttribute("data-user");
    // Deposit 500.
    await page.selectOption("#dep-user", userId);
    await page.fill("#dep-sum", "500");
    await page.click("#deposit");
    await page.waitForSelector(`#users tr[data-user="${userId}"] .balance:text-is("500")`, { timeout });
    // Order the book (25).
    await page.selectOption("#ord-user", userId);
    await page.selectOption("#ord-item", "3");
    await page.click("#order");
    const order = page.locator("#orders tr").first();
    await order.waitFor({ timeout });
    // Without reloading: the stream and the refresh it triggers.
    await page.waitForSelector("#orders tr .status:text-is('paid')", { timeout });
    await page.waitForSelector("#events li.event-ORDER_PROCESSED", { timeout });
    await page.waitForSelector("#events li.event-USER_CREATED", { timeout });
    await page.waitForSelector(`#users tr[data-user="${userId}"] .balance:text-is("475")`, { timeout });
    await page.waitForSelector("#messages li", { timeout });
    await page.waitForSelector("#health.ready", { timeout });
    if (errors.length)
      fail("errors in the page: " + errors.join("; "));
    await page.screenshot({ path: screenshot });
    console.log(`browser test: order paid and ORDER_PROCESSED streamed; screenshot ${screenshot}`);
  } catch (e) {
    fail(e.stack || String(e));
  } finally {
    await browser.close();
  }
})();
