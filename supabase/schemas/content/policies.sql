create policy "Published posts are visible as teasers" on public.posts
  for select to anon, authenticated
  using (
    author_id = (select public.current_persona_id())
    or (status = 'published' and exists (select 1 from public.profiles a where a.id = author_id))
  );

create policy "Creators write their own posts" on public.posts
  for insert to authenticated
  with check (
    author_id = (select public.current_persona_id())
    and exists (select 1 from public.profiles p where p.id = author_id and p.is_creator)
  );

create policy "Creators edit their own posts" on public.posts
  for update to authenticated
  using (author_id = (select public.current_persona_id()))
  with check (author_id = (select public.current_persona_id()));

create policy "Creators delete their own posts" on public.posts
  for delete to authenticated using (author_id = (select public.current_persona_id()));

create policy "Entitled viewers read post contents" on public.post_contents
  for select to anon, authenticated using (public.can_access_post(post_id));

create policy "Authors write post contents" on public.post_contents
  for all to authenticated using (public.is_post_author(post_id)) with check (public.is_post_author(post_id));

create policy "Entitled viewers see post media" on public.post_media
  for select to anon, authenticated using (public.can_access_post(post_id));

create policy "Authors attach their own media" on public.post_media
  for all to authenticated
  using (public.is_post_author(post_id))
  with check (
    public.is_post_author(post_id)
    and exists (select 1 from public.media_objects m where m.id = media_id and m.owner_id = (select public.current_persona_id()))
  );

-- follows: both ends see the edge; only the follower creates or removes it.
create policy "Both ends see a follow" on public.follows
  for select to authenticated
  using (follower_id = (select public.current_persona_id()) or followee_id = (select public.current_persona_id()));

create policy "A persona follows as itself" on public.follows
  for insert to authenticated with check (follower_id = (select public.current_persona_id()));

create policy "A persona unfollows as itself" on public.follows
  for delete to authenticated using (follower_id = (select public.current_persona_id()));

create policy "Active tiers are public" on public.subscription_tiers
  for select to anon, authenticated
  using (creator_id = (select public.current_persona_id())
         or (active and exists (select 1 from public.profiles p where p.id = creator_id)));

create policy "Subscriber and creator see a subscription" on public.subscriptions
  for select to authenticated
  using (subscriber_id = (select public.current_persona_id()) or creator_id = (select public.current_persona_id()));

create policy "Buyer and creator see an unlock" on public.ppv_unlocks
  for select to authenticated
  using (buyer_id = (select public.current_persona_id()) or public.is_post_author(post_id));

create policy "Creators add tiers to their own persona" on public.subscription_tiers
  for insert to authenticated
  with check (
    creator_id = (select public.current_persona_id())
    and exists (select 1 from public.profiles p where p.id = creator_id and p.is_creator)
  );

create policy "Creators edit their own tiers" on public.subscription_tiers
  for update to authenticated
  using (creator_id = (select public.current_persona_id()))
  with check (creator_id = (select public.current_persona_id()));
