// One call, one tab: a second tab that opens a call another tab holds gets a clear message
// instead of answering twice (the service's version check refuses a stale answer all the same).
const channel = "BroadcastChannel" in window ? new BroadcastChannel("callguide-calls") : null;
const held = new Set();

channel?.addEventListener("message", (event) => {
  const { type, id } = event.data || {};
  if (type === "who" && held.has(id)) channel.postMessage({ type: "mine", id });
});

// True when this tab may take the call: no other tab answers for it within a moment.
export function claim(id) {
  if (!channel || held.has(id)) {
    held.add(id);
    return Promise.resolve(true);
  }
  return new Promise((resolve) => {
    const listen = (event) => {
      if (event.data?.type === "mine" && event.data.id === id) {
        channel.removeEventListener("message", listen);
        clearTimeout(wait);
        resolve(false);
      }
    };
    channel.addEventListener("message", listen);
    channel.postMessage({ type: "who", id });
    const wait = setTimeout(() => {
      channel.removeEventListener("message", listen);
      held.add(id);
      resolve(true);
    }, 400);
  });
}

export function release(id) {
  held.delete(id);
}
