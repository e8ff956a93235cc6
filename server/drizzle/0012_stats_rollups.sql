CREATE TABLE `stats_rollups` (
	`site_id` text NOT NULL,
	`day` text NOT NULL,
	`revision` integer NOT NULL,
	`region` text,
	`mode` text NOT NULL,
	`method` text NOT NULL,
	`category` text,
	`records` integer NOT NULL,
	`unreadable` integer NOT NULL,
	`granted` integer NOT NULL,
	`denied` integer NOT NULL,
	FOREIGN KEY (`site_id`) REFERENCES `sites`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `stats_rollups_site_day` ON `stats_rollups` (`site_id`,`day`,`category`,`revision`,`region`,`mode`,`method`,`records`,`unreadable`,`granted`,`denied`);--> statement-breakpoint
-- Whatever moves a site's purge anchor (retention, of any version: one from before the rollups
-- knows nothing of them) drops the rollups of every day up to the first record kept, which may
-- have been cut into; the statistics count those days from the log again. In the purge's own
-- transaction: the statistics never count a purged record.
CREATE TRIGGER `stats_rollups_purged_insert` AFTER INSERT ON `chain_anchors` BEGIN
  DELETE FROM `stats_rollups` WHERE `site_id` = NEW.`site_id` AND `day` <= coalesce((SELECT substr(`server_time`, 1, 10) FROM `consent_records` WHERE `site_id` = NEW.`site_id` AND `seq` = NEW.`seq` + 1), '9999-12-31');
END;--> statement-breakpoint
CREATE TRIGGER `stats_rollups_purged_update` AFTER UPDATE OF `seq` ON `chain_anchors` BEGIN
  DELETE FROM `stats_rollups` WHERE `site_id` = NEW.`site_id` AND `day` <= coalesce((SELECT substr(`server_time`, 1, 10) FROM `consent_records` WHERE `site_id` = NEW.`site_id` AND `seq` = NEW.`seq` + 1), '9999-12-31');
END;
