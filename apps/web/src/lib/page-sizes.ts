/** Posts shown on a creator page; shared so the browser re-fetch asks for the same page the server rendered. */
export const CREATOR_POSTS_PAGE_SIZE = 20;
