import type { RecallReasonName } from "../kinds.js";

/** The page's languages: English and Simplified Chinese. */
export const LANGUAGES = ["en", "zh-CN"] as const;
export type Language = (typeof LANGUAGES)[number];

/** What the verify page can conclude. Pack verdicts come from `verify`; lot verdicts without a code. */
export type PageVerdict =
  | "GENUINE"
  | "DISPENSED"
  | "RECALLED"
  | "EXPIRED"
  | "STOLEN"
  | "DESTROYED"
  | "UNKNOWN"
  | "LOT_ACTIVE"
  | "LOT_RECALLED"
  | "LOT_EXPIRED"
  | "PRODUCT_KNOWN";

/** Everything the pages say, in one language. */
export interface Messages {
  lang: Language;
  title: string;
  switchTo: string;
  verdict: Record<PageVerdict, { head: string; body: string }>;
  product: string;
  lot: string;
  serial: string;
  expiry: string;
  manufacturer: string;
  recall: string;
  recallReason: Record<RecallReasonName, string>;
  recalledOn: (date: string, reason: string) => string;
  labelExpiryDiffers: (label: string) => string;
  codeHeading: string;
  codeHelp: string;
  codeLabel: string;
  codeSubmit: string;
  codeBad: string;
  timeline: string;
  timelineEmpty: string;
  timelineUnavailable: string;
  indexerLags: (blocks: number) => string;
  custodian: (who: string, inTransit: boolean) => string;
  event: (name: string, who: string, from: string, to: string) => string;
  /** An event of the container (SSCC) the pack was inside. */
  via: (sscc: string) => string;
  fromChain: string;
  errorHeading: Record<ErrorStatus, string>;
  errorHelp: Record<ErrorStatus, string>;
  home: string;
  homeHelp: string;
}

/** The statuses of the resolver's error pages. */
export type ErrorStatus = 400 | 404 | 406 | 414 | 429 | 503;

const en: Messages = {
  lang: "en",
  title: "Medicine check",
  switchTo: "中文",
  verdict: {
    GENUINE: { head: "Genuine", body: "This pack is genuine and active in the supply chain." },
    DISPENSED: {
      head: "Already dispensed: likely a clone",
      body: "This pack was already handed out to a patient. If you just received it, it is probably a copy. Do not use it; tell your pharmacist.",
    },
    RECALLED: { head: "Recalled", body: "This pack is genuine but its lot was recalled. Do not use it." },
    EXPIRED: { head: "Expired", body: "This pack is genuine but expired. Do not use it." },
    STOLEN: { head: "Reported stolen", body: "This pack was reported stolen. Do not use it; tell your pharmacist." },
    DESTROYED: {
      head: "Reported destroyed",
      body: "This pack was reported destroyed: it should not exist. Do not use it.",
    },
    UNKNOWN: {
      head: "Unknown",
      body: "No pack with this label and code is known. Do not use it: it may be counterfeit. Check the code you typed.",
    },
    LOT_ACTIVE: {
      head: "Lot known: enter the code to check this pack",
      body: "The product and lot are real and not recalled. Only the hidden code under the scratch-off panel proves this pack itself.",
    },
    LOT_RECALLED: { head: "Recalled", body: "This lot was recalled. Do not use any pack of it." },
    LOT_EXPIRED: { head: "Expired", body: "This lot is expired. Do not use any pack of it." },
    PRODUCT_KNOWN: {
      head: "Product known",
      body: "This product is registered. Scan the whole pack code (with lot and serial) to check a pack.",
    },
  },
  product: "Product (GTIN)",
  lot: "Lot",
  serial: "Serial",
  expiry: "Expiry",
  manufacturer: "Manufacturer",
  recall: "Recall",
  recallReason: {
    unspecified: "no reason given",
    "quality-defect": "quality defect",
    contamination: "contamination",
    mislabelling: "mislabelling",
    "counterfeit-found": "counterfeits found",
    "regulatory-action": "regulatory action",
    other: "other reason",
  },
  recalledOn: (date, reason) => `Recalled on ${date}: ${reason}.`,
  labelExpiryDiffers: (label) =>
    `The expiry printed on this label (${label}) is not the lot's: the label may be forged.`,
  codeHeading: "Check this pack",
  codeHelp:
    "Scratch the panel on the pack and type the code (16 letters and digits). This only checks the pack; it does not use it up.",
  codeLabel: "Scratch-off code",
  codeSubmit: "Check",
  codeBad: "That code is not 16 letters and digits (0-9, A-Z without I, L, O, U). Please type it again.",
  timeline: "Where this pack has been",
  timelineEmpty: "No custody event is recorded yet.",
  timelineUnavailable: "The custody timeline cannot be shown right now (the indexer does not answer).",
  indexerLags: (blocks) =>
    `The timeline may be incomplete: the indexer is ${blocks} block${blocks === 1 ? "" : "s"} behind the chain. The verdict above comes from the chain itself.`,
  custodian: (who, inTransit) => (inTransit ? `On its way, shipped by ${who}` : `Now held by ${who}`),
  event: (name, who, from, to) =>
    ({
      LotCommissioned: `Made by ${who}`,
      LotRecalled: `Lot recalled by ${who}`,
      ContainerPacked: `Packed by ${who}`,
      ContainerUnpacked: `Unpacked by ${who}`,
      ItemLinked: `Its place in a container recorded`,
      ItemShipped: `Shipped by ${from} to ${to}`,
      ItemReceived: `Received by ${to}`,
      PackDispensed: `Dispensed to a patient by ${who}`,
      PackCloneDetected: `Clone alert: presented again at ${who}`,
      ItemDestroyed: `Destroyed by ${who}`,
      ItemReportedStolen: `Reported stolen by ${who}`,
    })[name] ?? name,
  via: (sscc) => `in case/pallet SSCC ${sscc}`,
  fromChain: "Checked against the MedChain consortium chain.",
  errorHeading: {
    400: "This is not a valid pack link",
    404: "Not found",
    406: "Format not available",
    414: "Link too long",
    429: "Too many checks at once",
    503: "Checking is unavailable right now",
  },
  errorHelp: {
    400: "The scanned code is not a valid GS1 Digital Link. Scan the code again, or check the pack with your pharmacist.",
    404: "This product or lot is not known to MedChain. Do not use the pack until your pharmacist has checked it.",
    406: "This resolver answers web pages (text/html) and linksets (application/linkset+json).",
    414: "The scanned link is far longer than any pack link.",
    429: "Your network is checking many packs at the same time. Please try again in a moment.",
    503: "The consortium chain cannot be reached. Please try again in a few minutes.",
  },
  home: "MedChain medicine check",
  homeHelp: "Scan the QR code on a medicine pack with your phone's camera to check it.",
};

const zh: Messages = {
  lang: "zh-CN",
  title: "药品查验",
  switchTo: "English",
  verdict: {
    GENUINE: { head: "正品", body: "此药盒为正品，在供应链中状态正常。" },
    DISPENSED: {
      head: "已发放：疑似仿冒",
      body: "此药盒已发放给患者。如果您刚刚拿到它，它很可能是仿制品。请勿使用，并告知药师。",
    },
    RECALLED: { head: "已召回", body: "此药盒为正品，但所属批次已被召回。请勿使用。" },
    EXPIRED: { head: "已过期", body: "此药盒为正品，但已过期。请勿使用。" },
    STOLEN: { head: "已报失窃", body: "此药盒已被报告失窃。请勿使用，并告知药师。" },
    DESTROYED: { head: "已报销毁", body: "此药盒已被报告销毁，不应存在。请勿使用。" },
    UNKNOWN: {
      head: "未知",
      body: "找不到与此标签和查验码相符的药盒。请勿使用，它可能是假药。请核对您输入的查验码。",
    },
    LOT_ACTIVE: {
      head: "批次有效：请输入查验码查验此药盒",
      body: "产品和批次真实存在且未被召回。只有刮开涂层下的隐藏查验码才能证明这一盒药本身。",
    },
    LOT_RECALLED: { head: "已召回", body: "此批次已被召回。请勿使用该批次的任何药盒。" },
    LOT_EXPIRED: { head: "已过期", body: "此批次已过期。请勿使用该批次的任何药盒。" },
    PRODUCT_KNOWN: { head: "产品已登记", body: "此产品已登记。请扫描药盒上完整的码（含批号和序列号）查验药盒。" },
  },
  product: "产品（GTIN）",
  lot: "批号",
  serial: "序列号",
  expiry: "有效期至",
  manufacturer: "生产企业",
  recall: "召回",
  recallReason: {
    unspecified: "未说明原因",
    "quality-defect": "质量缺陷",
    contamination: "污染",
    mislabelling: "标签错误",
    "counterfeit-found": "发现假冒",
    "regulatory-action": "监管措施",
    other: "其他原因",
  },
  recalledOn: (date, reason) => `召回日期 ${date}：${reason}。`,
  labelExpiryDiffers: (label) => `此标签上印的有效期（${label}）与该批次不符：标签可能是伪造的。`,
  codeHeading: "查验此药盒",
  codeHelp: "刮开药盒上的涂层，输入查验码（16 位字母和数字）。查验不会消耗此药盒。",
  codeLabel: "刮开查验码",
  codeSubmit: "查验",
  codeBad: "查验码应为 16 位字母和数字（0-9、A-Z，不含 I、L、O、U），请重新输入。",
  timeline: "此药盒的流转记录",
  timelineEmpty: "尚无流转记录。",
  timelineUnavailable: "暂时无法显示流转记录（索引服务无响应）。",
  indexerLags: (blocks) => `流转记录可能不完整：索引服务落后区块链 ${blocks} 个区块。上方结论直接来自区块链。`,
  custodian: (who, inTransit) => (inTransit ? `运输中，发货方 ${who}` : `当前持有方 ${who}`),
  event: (name, who, from, to) =>
    ({
      LotCommissioned: `由 ${who} 生产`,
      LotRecalled: `批次被 ${who} 召回`,
      ContainerPacked: `由 ${who} 装箱`,
      ContainerUnpacked: `由 ${who} 开箱`,
      ItemLinked: `已记录其在箱内的位置`,
      ItemShipped: `由 ${from} 发往 ${to}`,
      ItemReceived: `由 ${to} 签收`,
      PackDispensed: `由 ${who} 发放给患者`,
      PackCloneDetected: `仿冒警报：在 ${who} 再次出现`,
      ItemDestroyed: `由 ${who} 销毁`,
      ItemReportedStolen: `由 ${who} 报告失窃`,
    })[name] ?? name,
  via: (sscc) => `在箱/托盘 SSCC ${sscc} 中`,
  fromChain: "已与 MedChain 联盟链核对。",
  errorHeading: {
    400: "这不是有效的药盒链接",
    404: "未找到",
    406: "不支持该格式",
    414: "链接过长",
    429: "同时查验过多",
    503: "暂时无法查验",
  },
  errorHelp: {
    400: "扫描到的码不是有效的 GS1 数字链接。请重新扫描，或请药师查验此药盒。",
    404: "MedChain 不认识此产品或批次。在药师查验之前请勿使用此药盒。",
    406: "本解析服务提供网页（text/html）和链接集（application/linkset+json）。",
    414: "扫描到的链接远长于任何药盒链接。",
    429: "您的网络正在同时查验许多药盒，请稍后再试。",
    503: "暂时无法连接联盟链，请几分钟后再试。",
  },
  home: "MedChain 药品查验",
  homeHelp: "用手机相机扫描药盒上的二维码即可查验。",
};

/** The messages of a language. */
export function messages(lang: Language): Messages {
  return lang === "zh-CN" ? zh : en;
}

/** Maps a detected language tag (zh, zh-Hans-CN, en-GB…) onto the page's languages. */
export function pageLanguage(tag: string): string {
  const lower = tag.toLowerCase();
  if (lower.startsWith("zh")) return "zh-CN";
  if (lower.startsWith("en")) return "en";
  return tag;
}
