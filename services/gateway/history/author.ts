/** The author of an event, from its message headers: the contract lives in shared/eventlog/author.ts. */
export { AUTHOR_HEADERS, authorOf, actingAuthor, authorLabel, type Author } from '../../../shared/eventlog/author.js';
