#!/usr/bin/env bash
# Regenerates the simulator's embedded media (served at GET /_igs/cdn/{name}) with
# ffmpeg alone: flat colours, boxes and DejaVu text, small enough to embed. The
# files are committed; running this again is only needed to change them.
set -euo pipefail
cd "$(dirname "$0")"
font=/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf
ff() { ffmpeg -hide_banner -loglevel error -y "$@"; }
text() { # text, size, colour, x, y
  printf "drawtext=fontfile=%s:text='%s':fontsize=%s:fontcolor=%s:x=%s:y=%s" "$font" "$1" "$2" "$3" "$4" "$5"
}

# A linen shirt on a warm background (what Ana asks about).
ff -f lavfi -i "color=c=0xf3e9dc:s=480x480" -frames:v 1 -vf "\
drawbox=x=150:y=120:w=180:h=250:color=0x9cc3d5:t=fill,\
drawbox=x=90:y=120:w=70:h=120:color=0x9cc3d5:t=fill,\
drawbox=x=320:y=120:w=70:h=120:color=0x9cc3d5:t=fill,\
drawbox=x=205:y=110:w=70:h=40:color=0xf3e9dc:t=fill,\
drawbox=x=236:y=150:w=8:h=220:color=0x7fa9bd:t=fill,\
$(text 'Linen shirt' 34 0x3d3d3d '(w-text_w)/2' 400)" -q:v 5 linen-shirt.jpg

# A parcel (Ben's order).
ff -f lavfi -i "color=c=0xe8f0f2:s=480x480" -frames:v 1 -vf "\
drawbox=x=110:y=140:w=260:h=200:color=0xc69c6d:t=fill,\
drawbox=x=225:y=140:w=30:h=200:color=0xe9d8a6:t=fill,\
drawbox=x=110:y=140:w=260:h=200:color=0x8b6b47:t=4,\
$(text 'Order 4512' 34 0x2d3436 '(w-text_w)/2' 380)" parcel.png

# Stripes of colour (the post Chloé comments on).
ff -f lavfi -i "color=c=0xffffff:s=480x480" -frames:v 1 -vf "\
drawbox=x=0:y=0:w=96:h=480:color=0xe17055:t=fill,\
drawbox=x=96:y=0:w=96:h=480:color=0xfdcb6e:t=fill,\
drawbox=x=192:y=0:w=96:h=480:color=0x00b894:t=fill,\
drawbox=x=288:y=0:w=96:h=480:color=0x0984e3:t=fill,\
drawbox=x=384:y=0:w=96:h=480:color=0x6c5ce7:t=fill,\
drawbox=x=60:y=190:w=360:h=100:color=0xffffff@0.85:t=fill,\
$(text 'New colours' 40 0x2d3436 '(w-text_w)/2' 220)" -q:v 5 post-colours.jpg

# Two Stories (9:16) that mention the shop.
ff -f lavfi -i "color=c=0xfd9644:s=360x640" -frames:v 1 -vf "\
drawbox=x=0:y=320:w=360:h=320:color=0x8854d0:t=fill,\
drawbox=x=130:y=250:w=100:h=100:color=0xfed330:t=fill,\
drawbox=x=0:y=430:w=360:h=210:color=0x3867d6:t=fill,\
$(text 'Sunday in linen' 30 white '(w-text_w)/2' 90),\
$(text '@igdesk.demo.shop' 22 white '(w-text_w)/2' 560)" -q:v 5 story-sunset.jpg
ff -f lavfi -i "color=c=0x20bf6b:s=360x640" -frames:v 1 -vf "\
drawbox=x=40:y=150:w=280:h=330:color=0xffffff@0.9:t=fill,\
drawbox=x=120:y=200:w=120:h=170:color=0x9cc3d5:t=fill,\
drawbox=x=80:y=200:w=45:h=80:color=0x9cc3d5:t=fill,\
drawbox=x=235:y=200:w=45:h=80:color=0x9cc3d5:t=fill,\
$(text 'Unboxing!' 34 0x2d3436 '(w-text_w)/2' 410),\
$(text '@igdesk.demo.shop' 22 white '(w-text_w)/2' 560)" -q:v 5 story-unboxing.jpg

# A small animated GIF (a customer's reaction GIF).
ff -f lavfi -i "testsrc2=s=160x160:r=8:d=1.5" -vf "split[a][b];[a]palettegen=max_colors=32[p];[b][p]paletteuse" wave.gif

# A two-second video clip.
ff -f lavfi -i "testsrc2=s=320x320:r=15:d=2" -c:v libx264 -pix_fmt yuv420p -crf 38 \
  -preset veryslow -movflags +faststart -an clip.mp4

# Profile pictures: initials on a colour.
avatar() { # file, initials, colour
  ff -f lavfi -i "color=c=$3:s=128x128" -frames:v 1 \
    -vf "$(text "$2" 52 white '(w-text_w)/2' '(h-text_h)/2')" "avatar-$1.png"
}
avatar ana AS 0xe17055
avatar ben BO 0x0984e3
avatar chloe CM 0x6c5ce7
avatar dora DV 0xb33771
avatar emil EL 0x00897b
avatar farah FH 0xc0392b
avatar giulia GR 0x8e44ad
avatar hiro HT 0x2d3436
ls -l
