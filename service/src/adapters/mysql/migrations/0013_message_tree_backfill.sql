-- Every chat written before messages had parents was one line: each message follows the one before it
-- (by seq), at the depth of its position. One statement, so a chat is never half a tree.
UPDATE `messages` AS m
JOIN (
  SELECT `id`,
    LAG(`id`) OVER (PARTITION BY `chat_id` ORDER BY `seq`) AS `previous_id`,
    ROW_NUMBER() OVER (PARTITION BY `chat_id` ORDER BY `seq`) AS `position`
  FROM `messages`
) AS line ON line.`id` = m.`id`
SET m.`parent_id` = line.`previous_id`, m.`depth` = line.`position`;
