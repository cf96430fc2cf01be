// The service's HTTP API, as the console uses it: /v1 with a bearer token.
// The token lives in sessionStorage: scoped to this tab, gone when the tab closes, never in
// localStorage (another tab, or a script reading storage later, cannot pick it up).
const TOKEN = "callguide.token";
const IDENTITY = "callguide.identity";

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.code = problem.code || "";
    this.problem = problem;
  }
}

export function identity() {
  const text = sessionStorage.getItem(IDENTITY);
  return sessionStorage.getItem(TOKEN) && text ? JSON.parse(text) : null;
}

export function signOut() {
  sessionStorage.removeItem(TOKEN);
  sessionStorage.removeItem(IDENTITY);
}

export async function request(method, path, body, headers = {}) {
  const token = sessionStorage.getItem(TOKEN);
  let response;
  try {
    response = await fetch(`/v1${path}`, {
      method,
      headers: {
        Accept: "application/json",
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch (error) {
    throw new ApiError(0, { code: "network", detail: String(error) });
  }
  const type = response.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) {
    throw new ApiError(response.status, typeof data === "object" && data ? data : { detail: String(data) });
  }
  return data;
}

export async function signIn(name, key) {
  const answer = await request("POST", "/auth/token", { name, key });
  sessionStorage.setItem(TOKEN, answer.token);
  sessionStorage.setItem(IDENTITY, JSON.stringify(answer.identity));
  return answer.identity;
}

// The sign-in form of the console and of the supervisor's view: on success the page goes on
// (`signedIn`); a refusal is shown (`refused`) and the key is typed again.
export function signInForm(form, { signedIn, refused }) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await signIn(form.elements.name.value.trim(), form.elements.key.value);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      refused(error.message);
      form.elements.key.focus();
      return;
    }
    form.reset();
    await signedIn();
  });
}

// A random key per move: a repeat of the same request (a double click, a retry after a
// network error) is answered once by the service.
export function idempotencyKey() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;
}
