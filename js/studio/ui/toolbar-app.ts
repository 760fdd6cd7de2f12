// The Astro dev toolbar app: asks the dev server for the studio on the dev database (started on
// first use) and shows a link to it. A link, not a popup: the URL arrives after the click, when
// browsers no longer let a page open a window by itself.
interface Server {
  send(event: string, payload: unknown): void;
  on(event: string, cb: (data: any) => void): void;
}
interface App {
  onToggled(cb: (o: { state: boolean }) => void): void;
}

export default {
  id: "astro-db-studio",
  name: "Astro DB",
  init(canvas: ShadowRoot, app: App, server: Server) {
    const win = document.createElement("astro-dev-toolbar-window");
    const title = document.createElement("h2");
    title.textContent = "Astro DB";
    const text = document.createElement("p");
    text.textContent = "Starting the database browser…";
    const link = document.createElement("a");
    link.id = "astro-db-open";
    link.target = "_blank";
    link.rel = "noopener";
    link.textContent = "Open the database browser";
    link.style.cssText = "display:none;color:#fff;background:#7e3ff2;padding:.4rem .8rem;border-radius:.3rem;text-decoration:none;width:max-content";
    win.append(title, text, link);
    canvas.append(win);
    server.on("astro-db:studio:url", (data: { url?: string; error?: string }) => {
      if (data.url) {
        text.textContent = "Browse and edit the dev database (it refreshes when the seed runs again).";
        link.href = data.url;
        link.style.display = "inline-block";
      } else text.textContent = data.error ?? "The database browser did not start.";
    });
    app.onToggled(({ state }) => {
      if (state) server.send("astro-db:studio:open", {});
    });
  },
};
