import SiameseNet
