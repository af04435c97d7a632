class Param:
    def __init__(self, default=None, type=None, description=None, **kwargs):
        self.value = default
        self.type = type
        self.description = description
