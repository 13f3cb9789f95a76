/** The GS1 Digital Link resolver and verify page: what an integrator needs to run or embed it. */
export { resolverApp, MAX_LINK_LENGTH, type ResolverDeps, type ResolverIndexer } from "./app.js";
export { chainLogIndexer } from "./chain-log.js";
export { clientKey, ScanSlots } from "./clients.js";
export { LANGUAGES, type Language } from "./i18n.js";
export { LINK_TYPES, LINKSET_MEDIA_TYPE, linksetOf } from "./linkset.js";
export type { ResolverChain } from "./lookup.js";
export { startResolver, type Resolver, type ResolverOptions } from "./server.js";
export { resolverLimits, resolverOptionsOf, resolverSettings, type ResolverSettings } from "./settings.js";
