SELECT 1;
/* comment never closed