// Calls to /api/app/…: inside Telegram with `Authorization: tma <initData>`, in a browser with
// the session cookie a sign-in link set (and the CSRF token for changes).

const KEY = "tb.initData";

function fromFragment() {
  // Telegram hands launch parameters over in the URL fragment: #tgWebAppData=…&tgWebAppThemeParams=…
  const hash = window.location.hash.startsWith("#") ? window.location.hash.slice(1) : "";
  return new URLSearchParams(hash);
}

export function launchParams() {
  const params = fromFragment();
  const webApp = window.Telegram && window.Telegram.WebApp;
  let initData = params.get("tgWebAppData") || (webApp && webApp.initData) || "";
  if (initData) {
    sessionStorage.setItem(KEY, initData);
  } else {
    initData = sessionStorage.getItem(KEY) || "";
  }
  let theme = null;
  const rawTheme = params.get("tgWebAppThemeParams");
  if (rawTheme) {
    try { theme = JSON.parse(rawTheme); } catch (_) { theme = null; }
  } else if (webApp && webApp.themeParams) {
    theme = webApp.themeParams;
  }
  return { initData, theme, webApp };
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export class Api {
  constructor(initData) {
    this.initData = initData;
    this.csrf = null;
  }

  headers(extra = {}) {
    const headers = { ...extra };
    if (this.initData) headers.Authorization = `tma ${this.initData}`;
    else if (this.csrf) headers["X-CSRF-Token"] = this.csrf;
    return headers;
  }

  async request(method, path, body) {
    const init = { method, headers: this.headers(), credentials: "same-origin" };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    return this.answer(response);
  }

  async answer(response) {
    let data = null;
    if ((response.headers.get("Content-Type") || "").includes("application/json")) {
      data = await response.json();
    }
    if (!response.ok) {
      const error = (data && data.error) || {};
      throw new ApiError(response.status, error.code || "http", error.message || response.statusText);
    }
    return data;
  }

  get(path, params) {
    const query = params ? `?${new URLSearchParams(params)}` : "";
    return this.request("GET", path + query);
  }

  post(path, body) {
    return this.request("POST", path, body);
  }

  async blob(path) {
    const response = await fetch(path, { headers: this.headers(), credentials: "same-origin" });
    if (!response.ok) throw new ApiError(response.status, "http", response.statusText);
    return response.blob();
  }

  upload(path, file, onProgress) {
    // XMLHttpRequest, not fetch: it reports upload progress.
    return new Promise((resolve, reject) => {
      const request = new XMLHttpRequest();
      request.open("POST", path);
      for (const [name, value] of Object.entries(this.headers())) request.setRequestHeader(name, value);
      request.upload.onprogress = (event) => {
        if (event.lengthComputable) onProgress(Math.round((100 * event.loaded) / event.total));
      };
      request.onload = () => {
        let data = null;
        try { data = JSON.parse(request.responseText); } catch (_) { data = null; }
        if (request.status >= 200 && request.status < 300) resolve(data);
        else {
          const error = (data && data.error) || {};
          reject(new ApiError(request.status, error.code || "http", error.message || request.statusText));
        }
      };
      request.onerror = () => reject(new ApiError(0, "network", "network"));
      const form = new FormData();
      form.append("file", file, file.name);
      request.send(form);
    });
  }
}
