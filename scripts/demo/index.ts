import type { Chapter } from "./story.js";
import { consortiumChapter } from "./01-consortium.js";
import { recordsChapter } from "./02-records.js";
import { provenanceChapter } from "./03-provenance.js";
import { claimsChapter } from "./04-claims.js";
import { genomicsChapter } from "./05-genomics.js";

/** The demo story's chapters, in order (DESIGN.md, "The demo scenario"). */
export const chapters: Chapter[] = [
  consortiumChapter,
  recordsChapter,
  provenanceChapter,
  claimsChapter,
  genomicsChapter,
];
