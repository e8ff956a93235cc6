CREATE TABLE `startup_tasks` (
	`name` text PRIMARY KEY NOT NULL,
	`done_at` integer NOT NULL
);
--> statement-breakpoint
-- A database with nothing unsigned needs neither signing at start-up (a new one, or one a 0.8.6 server has started).
INSERT INTO `startup_tasks` (`name`, `done_at`) SELECT 'sign-erasures', CAST(strftime('%s', 'now') AS INTEGER) * 1000 WHERE NOT EXISTS (SELECT 1 FROM `consent_records` WHERE `erased_at` IS NOT NULL AND `erasure_signature` IS NULL);--> statement-breakpoint
INSERT INTO `startup_tasks` (`name`, `done_at`) SELECT 'sign-anchors', CAST(strftime('%s', 'now') AS INTEGER) * 1000 WHERE NOT EXISTS (SELECT 1 FROM `chain_anchors` WHERE `signature` IS NULL);
