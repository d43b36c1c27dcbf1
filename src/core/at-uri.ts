const PREFIX = 'at://'

/**
 * The authority (repo DID) of an AT-URI already known to be well-formed (`at://<did>/…`): the hot
 * paths call it per item, so it slices rather than parses.
 */
export const repoOf = (uri: string): string => uri.slice(PREFIX.length, uri.indexOf('/', PREFIX.length))
