DROP INDEX `consent_records_site_time`;--> statement-breakpoint
CREATE INDEX `consent_records_site_time` ON `consent_records` (`site_id`,`server_time`,`seq`);--> statement-breakpoint
CREATE INDEX `audit_log_site_id` ON `audit_log` (`site_id`,`id`);--> statement-breakpoint
CREATE INDEX `consent_identities_site_time` ON `consent_identities` (`site_id`,`server_time`);--> statement-breakpoint
CREATE INDEX `document_acceptances_site_time` ON `document_acceptances` (`site_id`,`server_time`);--> statement-breakpoint
-- The rebuilt time index has no planner statistics: on a database someone ran ANALYZE on, the planner
-- then took it for every `site_id = ?` query (the writer's chain head: seconds on a large log). The
-- log's statistics are dropped, so it plans as on every database the server made. ANALYZE of the
-- schema table alone first makes sure both statistics tables exist, then has open connections
-- reload what is left.
ANALYZE sqlite_schema;--> statement-breakpoint
DELETE FROM sqlite_stat1 WHERE tbl = 'consent_records';--> statement-breakpoint
DELETE FROM sqlite_stat4 WHERE tbl = 'consent_records';--> statement-breakpoint
ANALYZE sqlite_schema;
