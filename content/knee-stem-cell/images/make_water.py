# A photographic-style texture: sunlight caustics on shallow water, in the brand's teal.
import math, random
from PIL import Image, ImageFilter
W, H = 1560, 728
random.seed(11)
waves = [(random.uniform(0.015, 0.05), random.uniform(-1, 1), random.uniform(0, 6.28)) for _ in range(7)]
img = Image.new("RGB", (W, H)); px = img.load()
for y in range(H):
    for x in range(W):
        v = sum(math.sin(f * (x * math.cos(a) + y * math.sin(a)) * 1200 / W + p) for f, a, p in waves)
        c = (1 - abs(math.sin(v * 0.9))) ** 6        # bright caustic lines
        d = 0.35 + 0.25 * math.sin(v * 0.45)          # slow depth variation
        k = y / H
        r = 20 + 40 * d + 190 * c
        g = 85 + 80 * d + 160 * c - 25 * k
        b = 105 + 80 * d + 140 * c - 15 * k
        px[x, y] = (int(min(r, 255)), int(min(g, 255)), int(min(b, 255)))
noise = Image.effect_noise((W, H), 24).convert("RGB")
img = Image.blend(img.filter(ImageFilter.GaussianBlur(1.4)), noise, 0.05)
img.save("content/knee-stem-cell/images/harbor-water.jpg", quality=88, optimize=True, dpi=(300, 300))

