// Refuses to install on a Node older than Hardhat 3 needs: npm would silently skip Hardhat's
// native EDR binary and every command would fail later with a confusing error.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 13)) {
  console.error(
    `MedChain needs Node >= 22.13 to install (this is ${process.version}).\n` +
      "Install with npm running on Node 22, which needs nothing else installed:\n\n" +
      "    npx -y -p node@22 -- npm ci\n",
  );
  process.exit(1);
}
