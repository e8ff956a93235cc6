-- Migrations 0006 and 0012 were changed after they first shipped, and drizzle applies each
-- migration once, by its time, without comparing its contents: a database that ran a first
-- version never ran what was added to it. This one applies those additions again, each a no-op
-- where it already ran.
--
-- 0012's triggers: a purge (retention moving a site's anchor) drops the rollups of the days it
-- cut into, so that the statistics never count a purged record.
CREATE TRIGGER IF NOT EXISTS `stats_rollups_purged_insert` AFTER INSERT ON `chain_anchors` BEGIN
  DELETE FROM `stats_rollups` WHERE `site_id` = NEW.`site_id` AND `day` <= coalesce((SELECT substr(`server_time`, 1, 10) FROM `consent_records` WHERE `site_id` = NEW.`site_id` AND `seq` = NEW.`seq` + 1), '9999-12-31');
END;--> statement-breakpoint
CREATE TRIGGER IF NOT EXISTS `stats_rollups_purged_update` AFTER UPDATE OF `seq` ON `chain_anchors` BEGIN
  DELETE FROM `stats_rollups` WHERE `site_id` = NEW.`site_id` AND `day` <= coalesce((SELECT substr(`server_time`, 1, 10) FROM `consent_records` WHERE `site_id` = NEW.`site_id` AND `seq` = NEW.`seq` + 1), '9999-12-31');
END;--> statement-breakpoint
-- Without them, a purge left the rollups of its days counting the records it deleted. Rollups are
-- a cache of the log: all go, and the statistics roll up each closed day again, from what the log
-- holds, when a view first needs it.
DELETE FROM `stats_rollups`;--> statement-breakpoint
-- 0006's: the log's planner statistics, which an ANALYZE may have left, are dropped, so that the
-- chain head's query keeps its index (seconds a query on a large log otherwise). ANALYZE of the
-- schema table alone first makes sure both statistics tables exist, then has open connections
-- reload what is left.
ANALYZE sqlite_schema;--> statement-breakpoint
DELETE FROM sqlite_stat1 WHERE tbl = 'consent_records';--> statement-breakpoint
DELETE FROM sqlite_stat4 WHERE tbl = 'consent_records';--> statement-breakpoint
ANALYZE sqlite_schema;
