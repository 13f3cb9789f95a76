import type { Chapter } from "./story.js";
import { consortiumChapter } from "./01-consortium.js";
import { provenanceChapter } from "./03-provenance.js";

/** The demo story's chapters, in order (DESIGN.md, "The demo scenario"). */
export const chapters: Chapter[] = [consortiumChapter, provenanceChapter];
