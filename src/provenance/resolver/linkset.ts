/**
 * The resolver's linkset (RFC 9264, `application/linkset+json`), as GS1 resolvers answer
 * `Accept: application/linkset+json` or `?linkType=all`: the link types it offers for a pack link.
 */

/** GS1 Web Vocabulary link types this resolver serves. */
export const LINK_TYPES = {
  verificationService: "https://gs1.org/voc/verificationService",
  pip: "https://gs1.org/voc/pip",
  recallStatus: "https://gs1.org/voc/recallStatus",
  defaultLink: "https://gs1.org/voc/defaultLink",
} as const;

/** The short names (`gs1:pip`) a `linkType` parameter may use. */
export const LINK_TYPE_NAMES: Readonly<Record<string, keyof typeof LINK_TYPES>> = {
  "gs1:verificationService": "verificationService",
  "gs1:pip": "pip",
  "gs1:recallStatus": "recallStatus",
  "gs1:defaultLink": "defaultLink",
};

export const LINKSET_MEDIA_TYPE = "application/linkset+json";

interface Target {
  href: string;
  title: string;
  type: string;
  hreflang: string[];
}

/** The targets of each link type for `anchor` (a pack, lot or product link on this resolver). */
export function linkTargets(anchor: string, lotLink: string): Record<keyof typeof LINK_TYPES, Target> {
  const page = (href: string, title: string): Target => ({ href, title, type: "text/html", hreflang: ["en", "zh-CN"] });
  return {
    verificationService: page(anchor, "Verify this pack (scratch-off code) / 查验此药盒"),
    pip: page(lotLink, "Product and lot information / 产品与批次信息"),
    recallStatus: page(`${lotLink}#verdict`, "Recall status of the lot / 批次召回状态"),
    defaultLink: page(anchor, "Verify page / 查验页面"),
  };
}

/** The linkset document of `anchor`. */
export function linksetOf(anchor: string, lotLink: string): { linkset: Record<string, unknown>[] } {
  const targets = linkTargets(anchor, lotLink);
  const entry: Record<string, unknown> = { anchor };
  for (const [name, rel] of Object.entries(LINK_TYPES)) entry[rel] = [targets[name as keyof typeof LINK_TYPES]];
  return { linkset: [entry] };
}

/**
 * The media type to answer with, from an Accept header: `html`, `linkset` (linkset+json or json),
 * or undefined when the client accepts neither (406). Hand-written (a dozen lines) because Hono's
 * `accepts` helper falls back to a default instead of reporting "none acceptable".
 */
export function negotiate(accept: string | undefined): "html" | "linkset" | undefined {
  if (accept === undefined || accept.trim() === "") return "html";
  let best: { kind: "html" | "linkset"; q: number; exact: number } | undefined;
  for (const part of accept.split(",").slice(0, 32)) {
    const [type = "", ...params] = part.trim().toLowerCase().split(";");
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (!(q > 0)) continue;
    const kind =
      type === LINKSET_MEDIA_TYPE || type === "application/json"
        ? "linkset"
        : ["text/html", "application/xhtml+xml", "text/*", "*/*"].includes(type)
          ? "html"
          : undefined;
    if (kind === undefined) continue;
    const exact = type.includes("*") ? 0 : 1;
    if (best === undefined || q > best.q || (q === best.q && exact > best.exact)) best = { kind, q, exact };
  }
  return best?.kind;
}
