CREATE TABLE `deleted_sites` (
	`site_id` text PRIMARY KEY NOT NULL,
	`deleted_at` integer NOT NULL,
	`retention_days` integer NOT NULL,
	`audit_purged_count` integer DEFAULT 0 NOT NULL,
	`audit_purged_at` integer
);
--> statement-breakpoint
-- The sites deleted before: each id was reserved by its `site.delete` audit entry, which kept the
-- settings as they were, their retention among them (1826 days, the default, where it is missing
-- or outside the settings' 1 to 3660: a hand-edited 0 would purge the whole log at once).
INSERT OR IGNORE INTO `deleted_sites` (`site_id`, `deleted_at`, `retention_days`)
  SELECT `site_id`, min(`at`),
    coalesce(CASE WHEN json_valid(`before`) THEN CASE WHEN json_type(`before`, '$.settings.retentionDays') = 'integer' AND json_extract(`before`, '$.settings.retentionDays') BETWEEN 1 AND 3660 THEN json_extract(`before`, '$.settings.retentionDays') END END, 1826)
  FROM `audit_log` WHERE `action` = 'site.delete' AND `site_id` IS NOT NULL AND `site_id` NOT IN (SELECT `id` FROM `sites`) GROUP BY `site_id`;
