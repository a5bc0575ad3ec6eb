// The desk page: everything it does live is shared with the other pages.
import './live.js';
