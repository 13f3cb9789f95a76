// `npm run demo`: deploys the whole suite to the embedded chain and plays the consortium's story
// (DESIGN.md), printing each step in plain words. Uses the same SDK and Ignition modules an
// operator uses.
import { network } from "hardhat";

import { chapters } from "./demo/index.js";
import { createStory } from "./demo/story.js";

const story = await createStory(await network.create());
for (const chapter of chapters) {
  await chapter(story);
}
console.log("\nThe story is complete: every step above is on the embedded chain.");
