;;;
-- only comments here
/* and here */
;
