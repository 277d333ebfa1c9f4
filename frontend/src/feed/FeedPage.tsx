// The activity feed: newest first, the coach's comment on each, people's comments; for a coach, a switch
// between your own activities and each athlete who shares theirs, and a comment box where granted.
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useSearchParams } from "react-router";
import { formatLapHeartRate } from "../activities/laps";
import { api, unwrap } from "../api/client";
import { useUnits } from "../auth/session";
import { Empty, ErrorNote, Loading } from "../ui/feedback";
import { formatDistance, formatDuration } from "../units/units";
import { CoachingCard, useCoaching } from "./CoachingCard";
import { type FeedItem, feedQuery, mergePages, parseView, viewOptions, viewParam } from "./feed";
import { FeedItemCard } from "./FeedItemCard";

export function FeedPage() {
  const units = useUnits();
  const client = useQueryClient();
  const [params, setParams] = useSearchParams();
  const view = parseView(params.get("view"));
  const coaching = useCoaching();
  const feed = useInfiniteQuery({
    queryKey: ["feed", viewParam(view)],
    queryFn: ({ pageParam }) => unwrap(api.GET("/api/v1/feed", { params: { query: feedQuery(view, pageParam) } })),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
  const refresh = () => void client.invalidateQueries({ queryKey: ["feed"] });
  const comment = useMutation({
    mutationFn: ({ id, body }: { id: number; body: string }) =>
      unwrap(api.POST("/api/v1/feed/activities/{activity_id}/comments", { params: { path: { activity_id: id } }, body: { body } })),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: (id: number) => unwrap(api.DELETE("/api/v1/feed/comments/{comment_id}", { params: { path: { comment_id: id } } })),
    onSuccess: refresh,
  });
  const options = viewOptions(coaching.data);
  const items = mergePages(feed.data?.pages ?? []);

  return (
    <div className="stack">
      <div className="row">
        <h1>Feed</h1>
        {options.length > 1 && (
          <label>
            Show{" "}
            <select value={viewParam(view)} onChange={(e) => setParams({ view: e.target.value }, { replace: true })}>
              {options.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
          </label>
        )}
      </div>
      <ErrorNote error={feed.error ?? remove.error} />
      {feed.isPending && <Loading />}
      {feed.data && items.length === 0 && (
        <Empty>{view.kind === "mine" ? "No activities yet. Import a FIT file on the Activities page." : "No activities shared with you yet."}</Empty>
      )}
      {items.map((item) => (
        <FeedItemCard
          key={item.activity.id}
          item={item}
          units={units}
          onComment={(body) => comment.mutateAsync({ id: item.activity.id, body })}
          onDelete={(id) => remove.mutate(id)}
          detail={!item.mine && item.can_view_details ? <AthleteDetail item={item} /> : undefined}
        />
      ))}
      {feed.hasNextPage && (
        <button type="button" onClick={() => void feed.fetchNextPage()} disabled={feed.isFetchingNextPage}>
          Older activities
        </button>
      )}
      <CoachingCard />
    </div>
  );
}

/** A coach's look at an athlete's laps (the athlete granted details). */
function AthleteDetail({ item }: { item: FeedItem }) {
  const units = useUnits();
  const [open, setOpen] = useState(false);
  const id = item.activity.id;
  const detail = useQuery({
    queryKey: ["feed", "detail", id],
    queryFn: () => unwrap(api.GET("/api/v1/feed/activities/{activity_id}", { params: { path: { activity_id: id } } })),
    enabled: open,
  });
  if (!open) {
    return (
      <button type="button" className="link" onClick={() => setOpen(true)}>
        Laps and zones
      </button>
    );
  }
  return (
    <div>
      <ErrorNote error={detail.error} />
      {detail.isPending && <Loading />}
      {detail.data && (
        <ul className="plain small">
          {detail.data.detail.laps.map((lap) => (
            <li key={lap.index}>
              Lap {lap.index + 1}: {formatDistance(lap.distance_km == null ? null : lap.distance_km * 1000, units)} in{" "}
              {formatDuration(lap.duration_s)}
              {formatLapHeartRate(lap) !== "–" && `, ${formatLapHeartRate(lap)}`}
            </li>
          ))}
          {detail.data.detail.hr_zones?.zones.map((z) => (
            <li key={z.name}>
              {z.name}: {formatDuration(z.seconds)}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
