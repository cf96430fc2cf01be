// The console's own words, in the pack's language (catalogs in console/strings/*.json,
// handed to the page by the server).
const config = JSON.parse(document.getElementById("console-config").textContent);

export { config };

export function t(key, params = {}) {
  const text = config.strings[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

// An element with text, attributes and children, without HTML parsing (texts from flows and
// the service are never markup).
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

// Every change of the screen counts one more update (the browser tests wait for the next one).
export function updated() {
  document.body.dataset.updates = String(Number(document.body.dataset.updates || 0) + 1);
}
