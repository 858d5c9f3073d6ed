// Waits until a URL answers 200, while a process is alive.
// usage: wait-ready.mjs <url> <pid> <timeout-seconds>
const [url, pid, timeoutSeconds = '120'] = process.argv.slice(2);
const deadline = Date.now() + Number(timeoutSeconds) * 1000;
const alive = () => {
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch {
    return false;
  }
};
while (Date.now() < deadline) {
  if (!alive()) {
    console.error(`process ${pid} exited before ${url} was ready`);
    process.exit(1);
  }
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    if (res.ok) process.exit(0);
  } catch {
    // not listening yet
  }
  await new Promise(r => setTimeout(r, 100));
}
console.error(`${url} was not ready after ${timeoutSeconds} s`);
process.exit(1);
