-- DEMO DATA. Loaded only into an empty database (embedded default, `supabase db reset`), never in production.
-- Every row here is marked is_demo (profiles, posts) or lives under the demo.ipelya.local email domain.
-- Sign in as any of these with an email code: luna@demo.ipelya.local, deniz@…, kai@…, ayla@…, mert@…,
-- and admin@demo.ipelya.local (a demo moderator: payout approvals and fraud review).

insert into auth.users (email, email_confirmed_at, raw_app_meta_data, raw_user_meta_data)
values
  ('luna@demo.ipelya.local', now(), '{"provider":"email","providers":["email"],"demo":true}', '{}'),
  ('deniz@demo.ipelya.local', now(), '{"provider":"email","providers":["email"],"demo":true}', '{}'),
  ('kai@demo.ipelya.local', now(), '{"provider":"email","providers":["email"],"demo":true}', '{}'),
  ('ayla@demo.ipelya.local', now(), '{"provider":"email","providers":["email"],"demo":true}', '{}'),
  ('mert@demo.ipelya.local', now(), '{"provider":"email","providers":["email"],"demo":true}', '{}'),
  ('admin@demo.ipelya.local', now(), '{"provider":"email","providers":["email"],"demo":true}', '{}');

update public.accounts a set is_admin = true
from auth.users u where u.id = a.user_id and u.email = 'admin@demo.ipelya.local';

update public.accounts a set age_verified_at = now(), birth_date = date '1995-05-05'
from auth.users u where u.id = a.user_id and u.email like '%@demo.ipelya.local';

update public.profiles p set is_demo = true
from public.persona_links l join auth.users u on u.id = l.user_id
where l.profile_id = p.id and u.email like '%@demo.ipelya.local';

update public.profiles p set handle = v.handle, display_name = v.display_name, bio = v.bio, is_creator = v.creator
from (values
  ('luna@demo.ipelya.local', 'demo.luna', 'Luna (demo)', 'ASMR whispers and rainy night soundscapes. Demo creator.', true),
  ('deniz@demo.ipelya.local', 'demo.deniz', 'Deniz (demo)', 'Sea, sun and slow mornings in Bodrum. Demo creator.', true),
  ('kai@demo.ipelya.local', 'demo.kai', 'Kai (demo)', 'Lo-fi beats and late-night stories. Demo creator.', true),
  ('ayla@demo.ipelya.local', 'demo.ayla', 'Ayla (demo fan)', 'Demo fan account.', false),
  ('mert@demo.ipelya.local', 'demo.mert', 'Mert (demo fan)', 'Demo fan account.', false),
  ('admin@demo.ipelya.local', 'demo.admin', 'Moderator (demo)', 'Demo moderator account.', false)
) as v(email, handle, display_name, bio, creator),
public.persona_links l, auth.users u
where u.email = v.email and l.user_id = u.id and l.kind = 'real' and p.id = l.profile_id;

-- Posts: public, followers-only, subscribers-only and pay-per-view, so every state shows in the apps.
with creators as (
  select p.id, p.handle from public.profiles p where p.handle in ('demo.luna', 'demo.deniz', 'demo.kai')
), src(handle, body, visibility, price) as (
  values
    ('demo.luna', 'Welcome to my corner of İpelya 🌙 New rain soundscape every Friday.', 'public', null::bigint),
    ('demo.luna', 'Followers-only: behind the scenes of tonight''s recording.', 'followers', null),
    ('demo.luna', 'Full 40-minute whisper session, unlock to listen.', 'ppv', 120),
    ('demo.deniz', 'Sunrise over the bay this morning ☀️', 'public', null),
    ('demo.deniz', 'Subscribers: my full travel diary from Kaş.', 'subscribers', null),
    ('demo.kai', 'New beat tape drops next week. Here is a teaser.', 'public', null),
    ('demo.kai', 'Story night: the lighthouse keeper (part 1).', 'ppv', 60)
), inserted as (
  insert into public.posts (author_id, visibility, price_coins, status, is_demo)
  select c.id, s.visibility, s.price, 'published', true from src s join creators c on c.handle = s.handle
  returning id, author_id, visibility, price_coins
)
insert into public.post_contents (post_id, body)
select i.id, s.body
from inserted i join creators c on c.id = i.author_id
join src s on s.handle = c.handle and s.visibility = i.visibility and s.price is not distinct from i.price_coins;

-- Demo fans follow demo creators.
insert into public.follows (follower_id, followee_id)
select f.id, c.id from public.profiles f, public.profiles c
where f.handle in ('demo.ayla', 'demo.mert') and c.handle in ('demo.luna', 'demo.deniz')
on conflict do nothing;

insert into public.coin_packages (code, coins, prices, apple_product_id, google_product_id)
values
  ('coins_100', 100, '{"USD": 199, "EUR": 199, "TRY": 6999}', 'app.ipelya.coins.100', 'coins_100'),
  ('coins_550', 550, '{"USD": 999, "EUR": 999, "TRY": 34999}', 'app.ipelya.coins.550', 'coins_550'),
  ('coins_1200', 1200, '{"USD": 1999, "EUR": 1999, "TRY": 69999}', 'app.ipelya.coins.1200', 'coins_1200')
on conflict (code) do nothing;
