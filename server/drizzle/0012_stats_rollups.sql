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
CREATE INDEX `stats_rollups_site_day` ON `stats_rollups` (`site_id`,`day`,`category`,`revision`,`region`,`mode`,`method`,`records`,`unreadable`,`granted`,`denied`);